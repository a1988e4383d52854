package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code --pool undertow}: the same routes over Undertow's stock pool, and no arena use at all. */
class UndertowPoolModeTest {

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withPool(ServerConfig.PoolKind.UNDERTOW));

    @Test
    void servesTheSameRoutesWithoutTouchingTheArena() throws Exception {
        byte[] body = new byte[70_000];
        new Random(3).nextBytes(body);
        try (RawHttp http = fixture.connect()) {
            http.send(RawHttp.concat(RawHttp.get("/hello"), RawHttp.post("/echo", "a/b", body), RawHttp.get("/bytes/30000")));
            assertEquals("hello\n", http.read().text());
            assertArrayEquals(body, http.read().body());
            assertArrayEquals(ServerRoutesTest.pattern(30000), http.read().body());
            assertArrayEquals(body, http.exchange(RawHttp.post("/echo?mode=blocking", "a/b", body)).body());
            assertEquals(200, http.exchange(RawHttp.post("/upload", "a/b", body)).status());
        }
        assertEquals(0, fixture.server().arena().stats().reservedBytes());
        assertEquals(0, fixture.server().stats().snapshot().poolsCreated());
        assertEquals(5, fixture.server().stats().snapshot().requests());
    }
}
