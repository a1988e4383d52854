package io.mpool.server.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Durations as written on the command line and in the environment: {@code 500ms}, {@code 30s},
 * {@code 2m}, {@code 1h}; a bare number is seconds, so {@code MPOOL_READ_TIMEOUT=30} keeps
 * meaning what it always meant.
 */
public final class Durations {
    /** What a duration looks like, for the {@code (expected: ...)} part of an error message. */
    public static final String EXPECTED = "a duration, e.g. 500ms, 30s, 2m; a bare number is seconds";

    private Durations() {
    }

    /** The duration {@code text} names, or empty if it is not one. */
    public static Optional<Duration> of(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        String value = text.trim().toLowerCase(Locale.ROOT);
        int digits = 0;
        while (digits < value.length() && Character.isDigit(value.charAt(digits))) {
            digits++;
        }
        if (digits == 0 || digits > 18) { // 18 digits always fit a long
            return Optional.empty();
        }
        long number = Long.parseLong(value.substring(0, digits));
        try {
            return switch (value.substring(digits)) {
                case "ms" -> Optional.of(Duration.ofMillis(number));
                case "", "s" -> Optional.of(Duration.ofSeconds(number));
                case "m" -> Optional.of(Duration.ofMinutes(number));
                case "h" -> Optional.of(Duration.ofHours(number));
                default -> Optional.empty();
            };
        } catch (ArithmeticException tooLong) {
            return Optional.empty();
        }
    }

    /** The shortest of the forms {@link #of} reads back: {@code 500ms}, {@code 30s}. */
    public static String format(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }
}
