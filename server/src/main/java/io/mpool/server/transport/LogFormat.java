package io.mpool.server.transport;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * One format for every line the server writes: its own log, Undertow's and XNIO's (they log
 * through jboss-logging, whose JDK provider hands their records to {@code java.util.logging}) and
 * the access log:
 * <pre>
 * 2026-12-01 21:04:05.123 INFO  [io.mpool.server.MpoolServer] mpool listening on ...
 * </pre>
 * Local time to the millisecond, one level vocabulary (jboss-logging's records carry levels named
 * {@code ERROR}/{@code WARN}/{@code DEBUG}, the JDK's {@code SEVERE}/{@code WARNING}/{@code FINE}:
 * both are printed by severity as ERROR, WARN, INFO, DEBUG or TRACE), the logger in brackets.
 */
public final class LogFormat extends Formatter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());
    /** Width of the level column: the longest name printed. */
    private static final int LEVEL_WIDTH = 5;

    @Override
    public String format(LogRecord record) {
        StringBuilder line = new StringBuilder(160);
        appendPrefix(line, record.getInstant(), levelName(record.getLevel()), record.getLoggerName());
        line.append(formatMessage(record));
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            line.append(System.lineSeparator()).append(trace.toString().stripTrailing());
        }
        return line.append(System.lineSeparator()).toString();
    }

    /** {@code time level [logger] }: everything before the message. */
    public static void appendPrefix(StringBuilder line, Instant time, String level, String logger) {
        TIME.formatTo(time, line);
        line.append(' ').append(level);
        for (int pad = level.length(); pad < LEVEL_WIDTH; pad++) {
            line.append(' ');
        }
        line.append(" [").append(logger == null ? "" : logger).append("] ");
    }

    /** The level's name in the one vocabulary, by severity (so any logging library's levels map). */
    public static String levelName(Level level) {
        int severity = level.intValue();
        if (severity >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (severity >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (severity >= Level.CONFIG.intValue()) {
            return "INFO";
        }
        return severity >= Level.FINE.intValue() ? "DEBUG" : "TRACE";
    }
}
