package io.mpool.server.config;

import java.util.Locale;
import java.util.OptionalLong;

/**
 * Byte sizes as written on the command line, in the environment and in the Dockerfile:
 * {@code 16384}, {@code 16k}, {@code 256m}, {@code 1g} (powers of 1024).
 */
public final class Sizes {
    /** What a size looks like, for the {@code (expected: ...)} part of an error message. */
    public static final String EXPECTED = "bytes, e.g. 16384, 16k, 256m, 1g";

    private Sizes() {
    }

    /**
     * The bytes {@code text} names.
     *
     * @param name what the value is called in the error message: a flag or a variable
     * @throws IllegalArgumentException {@code name=text (expected: ...)} if it is not a size
     */
    public static long parse(String name, String text) {
        return bytes(text).orElseThrow(() -> new IllegalArgumentException(
                name + "=" + text + " (expected: " + EXPECTED + ")"));
    }

    /**
     * {@code bytes} for a reader: {@code 512 bytes}, {@code 64 KiB}, {@code 1 MiB}; the largest
     * unit that divides it exactly.
     */
    public static String describe(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + (bytes == 1 ? " byte" : " bytes");
    }

    /** An inclusive range for an {@code (expected: ...)}: {@code 512 bytes..1 MiB}. */
    public static String range(long min, long max) {
        return describe(min) + ".." + describe(max);
    }

    /** The bytes {@code text} names, or empty if it is not a size (or does not fit a long). */
    static OptionalLong bytes(String text) {
        if (text == null || text.isBlank()) {
            return OptionalLong.empty();
        }
        String value = text.trim().toLowerCase(Locale.ROOT);
        long unit = switch (value.charAt(value.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1;
        };
        String digits = unit == 1 ? value : value.substring(0, value.length() - 1);
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalLong.empty();
        }
        try {
            long number = Long.parseLong(digits);
            return number > Long.MAX_VALUE / unit ? OptionalLong.empty() : OptionalLong.of(number * unit);
        } catch (NumberFormatException tooLong) {
            return OptionalLong.empty();
        }
    }
}
