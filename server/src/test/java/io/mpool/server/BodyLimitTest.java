package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code --max-body-size}: a larger body gets 413 and a closed connection, announced or counted. */
class BodyLimitTest {
    private static final String PIPELINED = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";
    private static final int LIMIT = 1000;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withLimits(config.limits().withMaxBody(LIMIT)));

    @Test
    void bodiesAboveTheLimitAreRefusedWith413BeforeTheyAreRead() throws IOException {
        RawHttp.Exchange announced = RawHttp.sendAll(fixture.port(), "POST /upload HTTP/1.1\r\nHost: t\r\n"
                + "Content-Length: " + (LIMIT + 1) + "\r\n\r\n" + PIPELINED, 20_000);
        assertEquals(List.of(413), announced.statuses(), "refused, and nothing behind it is served: " + announced.text());
        String chunks = "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(LIMIT) + "\r\n" + "x".repeat(LIMIT) + "\r\n1\r\nx\r\n0\r\n\r\n";
        RawHttp.Exchange counted = RawHttp.sendAll(fixture.port(), chunks + PIPELINED, 20_000);
        assertEquals(List.of(413), counted.statuses(), "refused, and nothing behind it is served: " + counted.text());
        String exact = "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + LIMIT + "\r\n\r\n" + "x".repeat(LIMIT);
        assertEquals(List.of(200, 200), RawHttp.sendAll(fixture.port(), exact + PIPELINED, 20_000).statuses(),
                "a body of exactly the limit is served, and the request behind it");
        String exactChunks = "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(LIMIT) + "\r\n" + "x".repeat(LIMIT) + "\r\n0\r\n\r\n";
        assertEquals(List.of(200, 200), RawHttp.sendAll(fixture.port(), exactChunks + PIPELINED, 20_000).statuses(),
                "chunks adding up to exactly the limit are served");
    }
}
