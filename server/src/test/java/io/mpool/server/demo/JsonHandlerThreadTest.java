package io.mpool.server.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.RawHttp;
import io.mpool.server.ServerFixture;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code POST /json} over a socket: a small body in memory is parsed on the IO thread, a large
 * one in memory on a worker, so that one client's big document does not stall the IO thread's
 * other connections.
 */
class JsonHandlerThreadTest {
    /** Whole bodies up to 2 MB stay in pool memory: the large body below is not spilled. */
    private static final long IN_MEMORY_MAX = 2 << 20;

    /** Where each parse ran, in order: "in memory, IO thread" and the like. */
    private final List<String> parses = new CopyOnWriteArrayList<>();
    private final JsonHandler json = new JsonHandler((body, onIoThread) -> parses.add(
            (body.inMemory() ? "in memory" : "on disk") + ", " + (onIoThread ? "IO thread" : "worker")));

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withLimits(config.limits()
            .withBodyInMemory(IN_MEMORY_MAX, config.limits().bodyTempDir())), routes -> json);

    @Test
    void aLargeBodyInMemoryIsParsedOnAWorkerAndASmallOneOnTheIoThread() throws Exception {
        byte[] small = document(100);
        byte[] large = document(1 << 20); // 1 MB: the size that stalled every other connection
        assertTrue(small.length <= JsonHandler.PARSE_ON_IO_THREAD_MAX);
        assertTrue(large.length > JsonHandler.PARSE_ON_IO_THREAD_MAX && large.length <= IN_MEMORY_MAX);
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response smallAnswer = http.exchange(RawHttp.post("/json", "application/json", small));
            assertEquals(200, smallAnswer.status(), smallAnswer.text());
            RawHttp.Response largeAnswer = http.exchange(RawHttp.post("/json", "application/json", large));
            assertEquals(200, largeAnswer.status(), largeAnswer.text());
            assertTrue(largeAnswer.text().startsWith("{\"bytes\":" + large.length + ","), largeAnswer.text());
        }
        assertEquals(List.of("in memory, IO thread", "in memory, worker"), parses);
    }

    /** A JSON array of strings, {@code size} bytes long. */
    private static byte[] document(int size) {
        StringBuilder json = new StringBuilder(size).append('[');
        while (json.length() < size - 16) {
            json.append("\"abcdefghij\",");
        }
        json.setLength(json.length() - 1);
        json.append(']');
        while (json.length() < size) {
            json.append(' ');
        }
        return json.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
