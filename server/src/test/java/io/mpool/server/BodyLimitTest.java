package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code --max-body-size}: a larger body gets 413 and a closed connection, announced or counted. */
class BodyLimitTest {
    private static final String PIPELINED = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withLimits(config.limits().withMaxBody(1000)));

    @Test
    void bodiesAboveTheLimitAreRefusedWith413BeforeTheyAreRead() throws IOException {
        RawHttp.Exchange announced = RawHttp.sendAll(fixture.port(), ("POST /upload HTTP/1.1\r\nHost: t\r\n"
                + "Content-Length: 1001\r\n\r\n" + PIPELINED).getBytes(StandardCharsets.ISO_8859_1), new int[0], 20_000);
        assertTrue(announced.text().startsWith("HTTP/1.1 413 "), announced.text());
        assertFalse(announced.text().contains("hello"), "nothing behind it is served");
        String chunks = "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3e8\r\n" + "x".repeat(1000) + "\r\n1\r\nx\r\n0\r\n\r\n";
        RawHttp.Exchange counted = RawHttp.sendAll(fixture.port(), (chunks + PIPELINED)
                .getBytes(StandardCharsets.ISO_8859_1), new int[0], 20_000);
        assertTrue(counted.text().startsWith("HTTP/1.1 413 "), counted.text());
        assertFalse(counted.text().contains("hello"), "nothing behind it is served");
        String exact = "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(1000);
        assertTrue(RawHttp.sendAll(fixture.port(), exact.getBytes(StandardCharsets.ISO_8859_1), new int[0], 20_000)
                .text().startsWith("HTTP/1.1 200 "), "a body of exactly the limit is served");
    }
}
