package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code --access-log}: a line per request, in the log's format, with the connection id the admin endpoint shows. */
class AccessLogTest {
    /** time, level, logger, then what the request was: the part the test compares exactly. */
    private static final Pattern LINE = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} INFO  \\[mpool\\.access] (.*) \\d+\\.\\d{3}ms");

    @TempDir
    Path dir;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withAccessLog(dir.resolve("access.log").toString()));

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

    /** The writer drains every 20 ms: wait (bounded) for the lines, never assert on time. */
    private List<String> awaitLines(int count) throws IOException, InterruptedException {
        Path file = dir.resolve("access.log");
        long deadline = System.nanoTime() + ServerFixture.SETTLE.toNanos();
        List<String> lines = Files.readAllLines(file);
        while (lines.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
            lines = Files.readAllLines(file);
        }
        return lines;
    }

    private static List<String> requests(List<String> lines) {
        return lines.stream().map(line -> {
            Matcher matcher = LINE.matcher(line);
            assertTrue(matcher.matches(), line);
            return matcher.group(1);
        }).toList();
    }
}
