package io.mpool.server.config;

import io.mpool.mempool.ExhaustionPolicy;
import java.time.Duration;
import java.util.Locale;

/**
 * How settings written as text are read: the command line's options and the defaults in
 * {@link ServerConfig} and {@link RequestLimits} (which are written the way a user writes them). A
 * value that cannot be read is a {@link BadValue} carrying what was expected; the command line puts
 * the flag and the value in front of it, so every message reads {@code --flag=value (expected: ...)}.
 * Ranges are checked later, by {@link ServerConfig} and {@link RequestLimits}, which the embedding
 * API goes through too. No command-line library here: an embedder does not need one.
 */
public final class OptionConverters {
    private OptionConverters() {
    }

    /** A value that could not be read; the message is the {@code (expected: ...)} part. */
    public static final class BadValue extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public BadValue(String expected) {
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
        if (text.trim().equalsIgnoreCase(ServerConfig.AUTO)) {
            return 0;
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new BadValue("a whole number, or auto");
        }
    }

    /** IO threads: a whole number, or {@code auto}: one per available processor. */
    public static int ioThreads(String text) {
        if (text.trim().equalsIgnoreCase(ServerConfig.AUTO)) {
            return ServerConfig.availableProcessors();
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new BadValue("a whole number, or auto (one per available processor)");
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
}
