package io.mpool.server;

import java.util.Locale;

/** Byte sizes on the command line (and in the Dockerfile check): {@code 16384}, {@code 16k}, {@code 256m}, {@code 1g}. */
public final class Sizes {
    private Sizes() {
    }

    public static long parse(String flag, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(flag + " is empty (expected: bytes, e.g. 16384, 16k, 256m, 1g)");
        }
        String value = text.trim().toLowerCase(Locale.ROOT);
        long unit = switch (value.charAt(value.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1;
        };
        String digits = unit == 1 ? value : value.substring(0, value.length() - 1);
        try {
            long number = Long.parseLong(digits);
            if (number < 0 || number > Long.MAX_VALUE / unit) {
                throw new NumberFormatException();
            }
            return number * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + "=" + text + " (expected: bytes, e.g. 16384, 16k, 256m, 1g)");
        }
    }
}
