package io.mpool.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.config.AccessLogSettings;
import io.mpool.server.config.TrustedProxies;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The one log format: levels of the JDK and of jboss-logging under one vocabulary; the access log's numbers. */
class LogFormatTest {
    /** jboss-logging's JDK provider logs with levels of its own, named like these, at these values. */
    private static final class JbossLikeLevel extends Level {
        private static final long serialVersionUID = 1L;

        JbossLikeLevel(String name, int value) {
            super(name, value);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"SEVERE, 1000, ERROR", "ERROR, 1000, ERROR", "FATAL, 1100, ERROR", "WARNING, 900, WARN",
        "WARN, 900, WARN", "INFO, 800, INFO", "CONFIG, 700, INFO", "FINE, 500, DEBUG", "DEBUG, 500, DEBUG",
        "FINER, 400, TRACE", "TRACE, 400, TRACE", "FINEST, 300, TRACE"})
    void everyLevelIsNamedBySeverity(String name, int value, String shown) {
        assertEquals(shown, LogFormat.levelName(new JbossLikeLevel(name, value)));
    }

    @Test
    void aLineIsTimeLevelLoggerMessageAndAStackTraceFollows() {
        LogRecord record = new LogRecord(Level.WARNING, "refused {0}");
        record.setParameters(new Object[] {"x"});
        record.setLoggerName("io.mpool.test");
        record.setInstant(Instant.parse("2026-12-01T21:04:05.123Z"));
        record.setThrown(new IllegalStateException("boom"));
        String time = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneId.systemDefault())
                .format(record.getInstant());
        String[] lines = new LogFormat().format(record).split(System.lineSeparator());
        assertEquals(time + " WARN  [io.mpool.test] refused x", lines[0]);
        assertEquals("java.lang.IllegalStateException: boom", lines[1]);
        assertTrue(lines[2].startsWith("\tat "), lines[2]);
    }

    static Stream<Arguments> fields() {
        return Stream.of(
                Arguments.of("/plain-path_~.%41", "/plain-path_~.%41"),
                Arguments.of("a b", "a\\x20b"),
                Arguments.of("a\r\nb", "a\\x0D\\x0Ab"),
                Arguments.of("\u001b[31m\0\b\u007f", "\\x1B[31m\\x00\\x08\\x7F"),
                Arguments.of("\"q\" \\", "\\x22q\\x22\\x20\\x5C"),
                Arguments.of("\u00e9\u0100", "\\xE9\\xC4\\x80"));
    }

    /** nginx's escaping: what a client sends can neither end a line nor add a field nor colour a terminal. */
    @ParameterizedTest(name = "{1}")
    @MethodSource("fields")
    void aFieldIsEscapedLikeNginxDoes(String field, String shown) {
        StringBuilder line = new StringBuilder();
        AccessLogLine.appendEscaped(field, line, false);
        assertEquals(shown, line.toString());
    }

    @Test
    void aFieldIsCutAtItsLimitWithAMark() {
        String limit = "a".repeat(AccessLog.MAX_FIELD_CHARS);
        StringBuilder line = new StringBuilder("x ");
        AccessLogLine.appendEscaped(limit, line, false);
        assertEquals("x " + limit, line.toString(), "exactly the limit: whole");
        line.setLength(0);
        AccessLogLine.appendEscaped(limit + "b", line, false);
        assertEquals(limit + "\\...", line.toString());
        line.setLength(0);
        AccessLogLine.appendEscaped("a".repeat(AccessLog.MAX_FIELD_CHARS - 3) + "\n", line, false);
        assertEquals("a".repeat(AccessLog.MAX_FIELD_CHARS - 3) + "\\...", line.toString(), "an escape is never split");
    }

    @ParameterizedTest(name = "{0} ns")
    @CsvSource({"0, 0.000ms", "999, 0.000ms", "1000, 0.001ms", "50000, 0.050ms", "123456, 0.123ms",
        "1000000, 1.000ms", "1234567890, 1234.567ms"})
    void theAccessLogShowsMillisecondsWithThreeDecimals(long nanos, String shown) {
        StringBuilder line = new StringBuilder();
        new AccessLogLine(AccessLogSettings.Format.MPOOL, TrustedProxies.NONE).append(AccessLogLineTest.entry(nanos), line);
        assertTrue(line.toString().endsWith(" INFO  [mpool.access] conn=7 GET /hello 200 6B " + shown
                + System.lineSeparator()), line.toString());
    }
}
