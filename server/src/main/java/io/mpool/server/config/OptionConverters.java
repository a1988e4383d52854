package io.mpool.server.config;

import io.mpool.mempool.ExhaustionPolicy;
import io.mpool.server.cli.Logging;
import java.time.Duration;
import java.util.Locale;
import java.util.logging.Level;
import picocli.CommandLine;
import picocli.CommandLine.TypeConversionException;

/**
 * How {@link Main}'s options are read, for picocli and for the defaults in {@link ServerConfig}
 * and {@link RequestLimits} (which are written the way a user writes them). A value that cannot be
 * read is a {@link BadValue} carrying what was expected; {@link Main} puts the flag and the value
 * in front of it, so every message reads {@code --flag=value (expected: ...)}. Ranges are checked
 * later, by {@link ServerConfig} and {@link RequestLimits}, which the embedding API goes through
 * too.
 */
public final class OptionConverters {
    private OptionConverters() {
    }

    /** A value that could not be read; the message is the {@code (expected: ...)} part. */
    public static final class BadValue extends TypeConversionException {
        private static final long serialVersionUID = 1L;

        BadValue(String expected) {
            super("(expected: " + expected + ")");
        }
    }

    public static long byteSize(String text) {
        return Sizes.bytes(text).orElseThrow(() -> new BadValue(Sizes.EXPECTED));
    }

    public static int intByteSize(String text) {
        long bytes = byteSize(text);
        if (bytes > Integer.MAX_VALUE) {
            throw new BadValue("at most " + Integer.MAX_VALUE + " bytes");
        }
        return (int) bytes;
    }

    public static Duration interval(String text) {
        return Durations.of(text).orElseThrow(() -> new BadValue(Durations.EXPECTED));
    }

    public static Level logLevel(String text) {
        Level level = Logging.level(text);
        if (level == null) {
            throw new BadValue(Logging.EXPECTED_LEVEL);
        }
        return level;
    }

    public static ServerConfig.PoolKind poolKind(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "mp" -> ServerConfig.PoolKind.MP;
            case "undertow" -> ServerConfig.PoolKind.UNDERTOW;
            default -> throw new BadValue("mp or undertow");
        };
    }

    public static ExhaustionPolicy policy(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "fail" -> ExhaustionPolicy.FAIL;
            case "fallback" -> ExhaustionPolicy.FALLBACK;
            default -> throw new BadValue("fail or fallback");
        };
    }

    /** Ports and thread counts. */
    public static int wholeNumber(String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new BadValue("a whole number");
        }
    }

    /** A limit: a whole number, or {@code auto} (0: derived at start). */
    public static int limit(String text) {
        if (text.trim().equalsIgnoreCase(ConnectionLimits.AUTO)) {
            return 0;
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new BadValue("a whole number, or auto");
        }
    }

    /** {@code true} or {@code false}. */
    public static boolean switchValue(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new BadValue("true or false");
        };
    }

    /**
     * Every converter above, by the type of the option it reads; picocli's own converters word
     * their errors differently. Sizes are {@code long} options (one that must fit an int is
     * narrowed by {@link Main}, its range checked by the config records), so {@code int} here is
     * a whole number.
     */
    public static CommandLine register(CommandLine commandLine) {
        return commandLine
                .registerConverter(Integer.class, OptionConverters::wholeNumber)
                .registerConverter(Integer.TYPE, OptionConverters::wholeNumber)
                .registerConverter(Long.class, OptionConverters::byteSize)
                .registerConverter(Long.TYPE, OptionConverters::byteSize)
                .registerConverter(Boolean.class, OptionConverters::switchValue)
                .registerConverter(Boolean.TYPE, OptionConverters::switchValue)
                .registerConverter(Duration.class, OptionConverters::interval)
                .registerConverter(Level.class, OptionConverters::logLevel)
                .registerConverter(ServerConfig.PoolKind.class, OptionConverters::poolKind)
                .registerConverter(ExhaustionPolicy.class, OptionConverters::policy);
    }

    /** A connection limit: a whole number or {@code auto}. */
    public static final class Limit implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            return limit(text);
        }
    }
}
