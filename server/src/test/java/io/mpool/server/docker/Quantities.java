package io.mpool.server.docker;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The sizes and durations deployment files are written in, read for the checks. */
final class Quantities {
    /** Our flags' durations: 500ms, 5s, 2m, 1h; a bare number is seconds (as the server reads them). */
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");
    /** compose's 20s, 1m30s. */
    private static final Pattern COMPOSE_DURATION = Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m(?!s))?(?:(\\d+)s)?(?:(\\d+)ms)?");
    /** Kubernetes quantities (512Mi, 1Gi, 536870912) and Docker's (512M, 1g, both binary). */
    private static final Pattern MEMORY = Pattern.compile("(\\d+)([KkMmGg]?)(i?)[Bb]?");
    private static final long MIB = 1L << 20;

    private Quantities() {
    }

    /** The duration, or null when the text is not one. */
    static Duration duration(String text) {
        Matcher matcher = DURATION.matcher(text == null ? "" : text.strip());
        if (!matcher.matches()) {
            return null;
        }
        long amount = Long.parseLong(matcher.group(1));
        String unit = matcher.group(2) == null ? "s" : matcher.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofSeconds(amount);
        };
    }

    /** A compose duration (20s, 1m30s), or null. */
    static Duration composeDuration(String text) {
        Matcher matcher = COMPOSE_DURATION.matcher(text == null ? "" : text.strip());
        if (text == null || text.isBlank() || !matcher.matches()) {
            return null;
        }
        return Duration.ofHours(number(matcher.group(1))).plusMinutes(number(matcher.group(2)))
                .plusSeconds(number(matcher.group(3))).plusMillis(number(matcher.group(4)));
    }

    /** Whole MiB of a memory quantity, units binary (Mi, Gi, m, g), or -1 when the text is not one. */
    static long mebibytes(String text) {
        Matcher matcher = MEMORY.matcher(text == null ? "" : text.strip());
        if (!matcher.matches()) {
            return -1;
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> amount / 1024;
            case "m" -> amount;
            case "g" -> amount * 1024;
            default -> amount / MIB;
        };
    }

    private static long number(String group) {
        return group == null ? 0 : Long.parseLong(group);
    }
}
