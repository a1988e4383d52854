package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.mpool.server.config.AccessLogSettings;
import io.mpool.server.config.TrustedProxies;
import io.mpool.server.transport.AccessLog;
import io.mpool.testing.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code --access-log-format mpool}: a line per request, in the log's format, with the connection id the admin endpoint shows. */
class AccessLogTest {
    /** time, level, logger, then what the request was: the part the test compares exactly. */
    private static final Pattern LINE = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} INFO  \\[mpool\\.access] (.*) \\d+\\.\\d{3}ms");

    @TempDir
    Path dir;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withAccessLog(new AccessLogSettings(
            dir.resolve("access.log").toString(), AccessLogSettings.Format.MPOOL, TrustedProxies.NONE)));

    @Test
    void everyRequestGetsALineWithConnectionMethodPathStatusAndBytes() throws Exception {
        long id;
        try (RawHttp http = fixture.connect()) {
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text());
            JsonNode connections = fixture.admin("/admin/pools", null).json().get("connections");
            assertEquals(1, connections.size(), connections.toString());
            id = connections.get(0).get("id").asLong();
            http.send("HEAD /bytes/100 HTTP/1.1\r\nHost: t\r\n\r\n");
            assertEquals(200, http.readHead().status());
            byte[] body = new byte[1000];
            assertEquals(1000, http.exchange(RawHttp.post("/echo", "application/octet-stream", body)).body().length);
            RawHttp.Response notFound = http.exchange(RawHttp.get("/nope"));
            assertEquals(404, notFound.status());
            assertEquals(204, http.exchange("OPTIONS /echo HTTP/1.1\r\nHost: t\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII)).status());
            assertEquals("abcde", http.exchange(RawHttp.get("/bytes/5?token=secret")).text());
            List<String> expected = List.of(
                    "conn=" + id + " GET /hello 200 6B",
                    "conn=" + id + " HEAD /bytes/100 200 0B",
                    "conn=" + id + " POST /echo 200 1000B",
                    "conn=" + id + " GET /nope 404 " + notFound.body().length + "B",
                    "conn=" + id + " OPTIONS /echo 204 0B",
                    "conn=" + id + " GET /bytes/5 200 5B");
            assertEquals(expected, requests(awaitLines(expected.size())), "the query is never logged");
        }
    }

    /**
     * A client cannot write into the log: the path is logged as sent (still percent-encoded, so a
     * {@code %0d%0a} cannot end the line and {@code %20} cannot add fields), and a long path is cut
     * at 2,048 characters with a mark. (Raw control and non-ASCII bytes in a target are refused by
     * the parser with 400 and never logged; were they logged, they would be written {@code \xHH}:
     * LogFormatTest.) Every line is one line of printable ASCII with the usual fields.
     */
    @Test
    void aClientCannotForgeLinesOrFieldsOrWriteControlBytes() throws Exception {
        String forged = "/a%0d%0a2026-12-01%2000:00:00.000%20INFO%20%20[mpool.access]%20conn=1%20GET%20/x%20200%200B"
                + "%200.001ms";
        String longPath = "/" + "c".repeat(4000);
        try (RawHttp http = fixture.connect()) {
            assertEquals(404, http.exchange(RawHttp.get(forged)).status());
            assertEquals(404, http.exchange(RawHttp.get("/%1b[2J%00%08%7f%c3%a9")).status());
            assertEquals(404, http.exchange(RawHttp.get(longPath)).status());
            List<String> lines = requests(awaitLines(3));
            String conn = lines.get(0).substring(0, lines.get(0).indexOf(' ') + 1);
            assertEquals(List.of(
                    conn + "GET " + forged + " 404 ",
                    conn + "GET /%1b[2J%00%08%7f%c3%a9 404 ",
                    conn + "GET " + longPath.substring(0, AccessLog.MAX_FIELD_CHARS) + "\\... 404 "),
                    lines.stream().map(line -> line.substring(0, line.lastIndexOf(' ') + 1)).toList());
            for (byte b : Files.readAllBytes(dir.resolve("access.log"))) {
                assertTrue(b == '\n' || b >= ' ' && b < 0x7f, "only printable ASCII and line ends: " + b);
            }
        }
    }

    /** The writer drains every 20 ms: wait (bounded) for the lines, never assert on time. */
    private List<String> awaitLines(int count) {
        Path file = dir.resolve("access.log");
        return Await.until(count + " lines in " + file, ServerFixture.SETTLE,
                () -> Files.readAllLines(file), lines -> lines.size() >= count);
    }

    private static List<String> requests(List<String> lines) {
        return lines.stream().map(line -> {
            Matcher matcher = LINE.matcher(line);
            assertTrue(matcher.matches(), line);
            return matcher.group(1);
        }).toList();
    }
}
