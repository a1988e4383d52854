package io.mpool.server.cli;

import io.mpool.mempool.ExhaustionPolicy;
import io.mpool.server.config.OptionConverters;
import io.mpool.server.config.ServerConfig;
import java.time.Duration;
import java.util.logging.Level;
import picocli.CommandLine;

/**
 * The settings' converters ({@link OptionConverters}) registered with picocli, by the type of the
 * option they read; picocli's own converters word their errors differently. Sizes are {@code long}
 * options (one that must fit an int is narrowed by {@link Main}, its range checked by the config
 * records), so {@code int} here is a whole number.
 */
final class CommandLineConverters {
    private CommandLineConverters() {
    }

    static CommandLine register(CommandLine commandLine) {
        return commandLine
                .registerConverter(Integer.class, OptionConverters::wholeNumber)
                .registerConverter(Integer.TYPE, OptionConverters::wholeNumber)
                .registerConverter(Long.class, OptionConverters::byteSize)
                .registerConverter(Long.TYPE, OptionConverters::byteSize)
                .registerConverter(Boolean.class, OptionConverters::switchValue)
                .registerConverter(Boolean.TYPE, OptionConverters::switchValue)
                .registerConverter(Duration.class, OptionConverters::interval)
                .registerConverter(Level.class, CommandLineConverters::logLevel)
                .registerConverter(ServerConfig.PoolKind.class, OptionConverters::poolKind)
                .registerConverter(ExhaustionPolicy.class, OptionConverters::policy);
    }

    static Level logLevel(String text) {
        Level level = Logging.level(text);
        if (level == null) {
            throw new OptionConverters.BadValue(Logging.EXPECTED_LEVEL);
        }
        return level;
    }

    /** A connection limit: a whole number or {@code auto}. */
    static final class Limit implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            return OptionConverters.limit(text);
        }
    }

    /** IO threads: a whole number or {@code auto} (one per available processor). */
    static final class IoThreads implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            return OptionConverters.ioThreads(text);
        }
    }
}
