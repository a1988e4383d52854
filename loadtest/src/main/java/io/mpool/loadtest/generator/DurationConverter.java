package io.mpool.loadtest.generator;

import io.mpool.server.config.Durations;
import java.time.Duration;
import picocli.CommandLine;

/** {@code -d 2s}, {@code --warmup 500ms}, {@code -d 10} (a bare number is seconds): the server's duration syntax. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String text) {
        return Durations.of(text).orElseThrow(() -> new CommandLine.TypeConversionException(
                "'" + text + "' (expected: " + Durations.EXPECTED + ")"));
    }
}
