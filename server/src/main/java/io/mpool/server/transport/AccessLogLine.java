package io.mpool.server.transport;

import io.mpool.server.config.AccessLogSettings.Format;
import io.mpool.server.config.TrustedProxies;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * An {@link AccessLog.Entry} as one line of its format, on the writer thread:
 * <pre>
 * common    192.0.2.7 - - [07/Dec/2026:01:50:00 +0000] "GET /hello HTTP/1.1" 200 6
 * combined  192.0.2.7 - - [07/Dec/2026:01:50:00 +0000] "GET /hello HTTP/1.1" 200 6 "-" "curl/8.5.0"
 * json      {"time":"2026-12-07T01:50:00.123Z","client":"192.0.2.7","connection":7,"method":"GET",...}
 * mpool     2026-12-07 01:50:00.123 INFO  [mpool.access] conn=7 GET /hello 200 6B 0.186ms
 * </pre>
 * The path is never followed by its query (it may hold secrets), in any format.
 *
 * <p>Every field a client writes (method, path, protocol, referer, user agent) is escaped so that
 * a line is always one line of printable ASCII with as many fields as any other: in the text
 * formats every byte below 0x20, {@code "}, {@code \}, DEL and every byte from 0x80 as
 * {@code \xHH} (as nginx escapes its log), and the space too in an unquoted field; in JSON the
 * same bytes as <code>&#92;u00HH</code> (the backslash too), so the line is valid JSON. A field is cut at
 * {@value AccessLog#MAX_FIELD_CHARS} characters, escapes included, and then ends in
 * {@code \...}, which cannot occur otherwise: a backslash only ever starts an escape.
 */
final class AccessLogLine {
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final char[] HEX_UPPER = "0123456789ABCDEF".toCharArray();
    /** The Common Log Format's time: {@code 07/Dec/2026:01:50:00 +0000}, local time, English month. */
    private static final DateTimeFormatter COMMON_TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z",
            Locale.ENGLISH).withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter JSON_TIME = DateTimeFormatter.ISO_OFFSET_DATE_TIME
            .withZone(ZoneId.systemDefault());

    private final Format format;
    private final TrustedProxies trusted;
    private long timeMillis = Long.MIN_VALUE;
    private String time = "";

    AccessLogLine(Format format, TrustedProxies trusted) {
        this.format = format;
        this.trusted = trusted;
    }

    /** Appends {@code entry}'s line, its line end included. */
    void append(AccessLog.Entry entry, StringBuilder line) {
        if (entry.epochMillis() != timeMillis) { // lines of one millisecond share their time's text
            timeMillis = entry.epochMillis();
            time = time(timeMillis);
        }
        switch (format) {
            case COMMON, COMBINED -> appendCommon(entry, line);
            case JSON -> appendJson(entry, line);
            case MPOOL -> appendMpool(entry, line);
            default -> throw new IllegalStateException("format=" + format);
        }
        line.append(System.lineSeparator());
    }

    private String time(long epochMillis) {
        Instant instant = Instant.ofEpochMilli(epochMillis);
        StringBuilder text = new StringBuilder(64);
        switch (format) {
            case COMMON, COMBINED -> COMMON_TIME.formatTo(instant, text);
            case JSON -> JSON_TIME.formatTo(instant, text);
            default -> LogFormat.appendPrefix(text, instant, "INFO", AccessLog.LOGGER);
        }
        return text.toString();
    }

    private String client(AccessLog.Entry entry) {
        return ClientAddress.resolve(entry.peer(), entry.forwarded(), entry.rfc7239(), trusted);
    }

    private void appendCommon(AccessLog.Entry entry, StringBuilder line) {
        line.append(client(entry)).append(" - - [").append(time).append("] \"");
        appendEscaped(entry.method(), line, false);
        line.append(' ');
        appendEscaped(entry.path(), line, false);
        line.append(' ');
        appendEscaped(entry.protocol(), line, false);
        line.append("\" ").append(entry.status()).append(' ').append(entry.responseBytes());
        if (format == Format.COMBINED) {
            line.append(" \"");
            appendEscaped(entry.referer() == null ? "-" : entry.referer(), line, true);
            line.append("\" \"");
            appendEscaped(entry.userAgent() == null ? "-" : entry.userAgent(), line, true);
            line.append('"');
        }
    }

    private void appendJson(AccessLog.Entry entry, StringBuilder line) {
        line.append("{\"time\":\"").append(time).append("\",\"client\":\"").append(client(entry))
                .append("\",\"connection\":").append(entry.connectionId()).append(",\"method\":");
        appendJsonString(entry.method(), line);
        line.append(",\"path\":");
        appendJsonString(entry.path(), line);
        line.append(",\"protocol\":");
        appendJsonString(entry.protocol(), line);
        line.append(",\"status\":").append(entry.status()).append(",\"requestBytes\":");
        appendCount(entry.requestBytes(), line);
        line.append(",\"responseBytes\":").append(entry.responseBytes()).append(",\"durationMs\":");
        appendMillis(entry.nanos(), line);
        line.append(",\"poolBytes\":");
        appendCount(entry.poolBytes(), line);
        line.append(",\"referer\":");
        appendJsonString(entry.referer(), line);
        line.append(",\"userAgent\":");
        appendJsonString(entry.userAgent(), line);
        line.append('}');
    }

    private void appendMpool(AccessLog.Entry entry, StringBuilder line) {
        line.append(time).append("conn=").append(entry.connectionId()).append(' ');
        appendEscaped(entry.method(), line, false);
        line.append(' ');
        appendEscaped(entry.path(), line, false);
        line.append(' ').append(entry.status()).append(' ').append(entry.responseBytes()).append("B ");
        appendMillis(entry.nanos(), line);
        line.append("ms");
    }

    /** A count, or {@code null} when unknown (negative). */
    private static void appendCount(long count, StringBuilder line) {
        if (count < 0) {
            line.append("null");
        } else {
            line.append(count);
        }
    }

    /** Nanoseconds as milliseconds with three decimals ({@code 0.186}). */
    private static void appendMillis(long nanos, StringBuilder line) {
        long micros = nanos / 1_000;
        line.append(micros / 1_000).append('.');
        long fraction = micros % 1_000;
        if (fraction < 100) {
            line.append(fraction < 10 ? "00" : "0");
        }
        line.append(fraction);
    }

    /**
     * {@code field} as the text formats show it: printable ASCII as it is, except {@code "},
     * {@code \} and (unless {@code quoted}) the space; those and every other character as the
     * bytes {@code \xHH} (a character above 0xFF: its UTF-8 bytes). At most
     * {@link AccessLog#MAX_FIELD_CHARS} characters; a cut field ends in {@link AccessLog#CUT_MARK}.
     */
    static void appendEscaped(String field, StringBuilder line, boolean quoted) {
        int limit = line.length() + AccessLog.MAX_FIELD_CHARS;
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            boolean plain = (c > ' ' || c == ' ' && quoted) && c < 0x7F && c != '"' && c != '\\';
            int length = plain ? 1 : c <= 0xFF ? 4 : 4 * utf8Length(c);
            if (line.length() + length > limit) {
                line.append(AccessLog.CUT_MARK);
                return;
            }
            if (plain) {
                line.append(c);
            } else if (c <= 0xFF) {
                appendHex(c, line);
            } else {
                for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
                    appendHex(b & 0xFF, line);
                }
            }
        }
    }

    /**
     * {@code field} as a JSON string ({@code null} when absent): printable ASCII as it is but
     * {@code "} ({@code \"}) and {@code \} (<code>&#92;u005c</code>); every other character <code>&#92;u00HH</code>
     * or <code>&#92;uHHHH</code>. Cut as {@link #appendEscaped}: a cut string ends in {@code \\...}.
     */
    static void appendJsonString(String field, StringBuilder line) {
        if (field == null) {
            line.append("null");
            return;
        }
        line.append('"');
        int limit = line.length() + AccessLog.MAX_FIELD_CHARS;
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            boolean plain = c >= ' ' && c < 0x7F && c != '"' && c != '\\';
            int length = plain ? 1 : c == '"' ? 2 : 6;
            if (line.length() + length > limit) {
                line.append("\\\\...");
                break;
            }
            if (plain) {
                line.append(c);
            } else if (c == '"') {
                line.append("\\\"");
            } else {
                line.append("\\u").append(HEX[c >>> 12]).append(HEX[(c >>> 8) & 0xF]).append(HEX[(c >>> 4) & 0xF])
                        .append(HEX[c & 0xF]);
            }
        }
        line.append('"');
    }

    private static int utf8Length(char c) {
        return c < 0x800 ? 2 : 3; // a lone surrogate is written as '?', one byte, which fits
    }

    private static void appendHex(int b, StringBuilder line) {
        line.append('\\').append('x').append(HEX_UPPER[b >>> 4]).append(HEX_UPPER[b & 0xF]);
    }
}
