package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mpool.server.config.AccessLogSettings;
import io.mpool.server.config.AccessLogSettings.Format;
import io.mpool.server.config.TrustedProxies;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log's standard formats over real sockets: a combined line as log tools parse it,
 * {@code X-Forwarded-For} believed only from a trusted proxy, the JSON line's pool bytes, and
 * rotation by reopening.
 */
class AccessLogFormatsTest {
    /** The combined format as log tools parse it (Logstash's COMBINEDAPACHELOG, in regex). */
    private static final Pattern COMBINED = Pattern.compile("^(\\S+) (\\S+) (\\S+) \\[([\\w:/]+\\s[+\\-]\\d{4})\\]"
            + " \"(\\S+) (\\S+) (\\S+)\" (\\d{3}) (\\d+|-) \"([^\"]*)\" \"([^\"]*)\"$");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FORWARDED_REQUEST = "GET /hello?token=secret HTTP/1.1\r\nHost: t\r\n"
            + "X-Forwarded-For: 198.51.100.1, 203.0.113.9\r\nUser-Agent: probe/1.0 (test)\r\n"
            + "Referer: http://example.com/from\r\n\r\n";

    @TempDir
    static Path dir;

    private static ServerFixture fixture(String file, Format format, String trusted) {
        return new ServerFixture(config -> config.withAccessLog(new AccessLogSettings(dir.resolve(file).toString(),
                format, TrustedProxies.parse(trusted))));
    }

    /** Waits (bounded) for {@code count} lines: the writer drains every 20 ms. */
    private static List<String> awaitLines(Path file, int count) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + ServerFixture.SETTLE.toNanos();
        List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
        while (lines.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
            lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
        }
        assertEquals(count, lines.size(), lines.toString());
        return lines;
    }

    private static void exchange(ServerFixture fixture, String request) throws IOException {
        try (RawHttp http = fixture.connect()) {
            assertEquals(200, http.exchange(request.getBytes(StandardCharsets.US_ASCII)).status());
        }
    }

    @Nested
    class Untrusted {
        @RegisterExtension
        final ServerFixture fixture = fixture("untrusted.log", Format.COMBINED, "");

        @Test
        void combinedLinesParseAndTheForwardedHeaderOfAnUntrustedPeerIsIgnored() throws Exception {
            exchange(fixture, FORWARDED_REQUEST);
            String line = awaitLines(dir.resolve("untrusted.log"), 1).get(0);
            Matcher m = COMBINED.matcher(line);
            assertTrue(m.matches(), line);
            assertEquals("127.0.0.1", m.group(1), "the peer, whatever the client claims");
            assertEquals("GET /hello HTTP/1.1 200 6", m.group(5) + " " + m.group(6) + " " + m.group(7) + " "
                    + m.group(8) + " " + m.group(9), "never the query");
            assertEquals("http://example.com/from", m.group(10));
            assertEquals("probe/1.0 (test)", m.group(11));
        }
    }

    @Nested
    class Trusted {
        @RegisterExtension
        final ServerFixture fixture = fixture("trusted.log", Format.JSON, "127.0.0.0/8");

        @Test
        void aTrustedProxysRightMostUntrustedAddressIsTheClientAndJsonShowsPoolBytes() throws Exception {
            exchange(fixture, FORWARDED_REQUEST);
            JsonNode line = JSON.readTree(awaitLines(dir.resolve("trusted.log"), 1).get(0));
            assertEquals("203.0.113.9", line.get("client").asText(), line.toString());
            assertEquals("/hello", line.get("path").asText());
            assertEquals(6, line.get("responseBytes").asLong());
            assertTrue(line.get("poolBytes").asLong() > 0, "the request took pool memory: " + line);
            assertTrue(line.get("connection").asLong() > 0, line.toString());
            assertEquals("probe/1.0 (test)", line.get("userAgent").asText());
        }
    }

    @Nested
    class Rotation {
        @RegisterExtension
        final ServerFixture fixture = fixture("rotated.log", Format.COMMON, "");

        @Test
        void afterTheFileIsMovedAReopenWritesANewOne() throws Exception {
            Path file = dir.resolve("rotated.log");
            Path moved = dir.resolve("rotated.log.1");
            exchange(fixture, "GET /hello?first HTTP/1.1\r\nHost: t\r\n\r\n");
            awaitLines(file, 1);
            Files.move(file, moved);
            assertTrue(fixture.server().reopenAccessLog());
            exchange(fixture, "GET /bytes/3 HTTP/1.1\r\nHost: t\r\n\r\n");
            assertTrue(awaitLines(file, 1).get(0).contains("\"GET /bytes/3 HTTP/1.1\" 200 3"));
            List<String> old = awaitLines(moved, 1);
            assertTrue(old.get(0).contains("\"GET /hello HTTP/1.1\" 200 6"), old.toString());
        }
    }
}
