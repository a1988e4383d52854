package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code Expect: 100-continue}: the interim answer comes before the body is sent, then the real one. */
class ExpectContinueTest {
    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Test
    void aClientThatWaitsFor100ContinueGetsItThenItsAnswer() throws Exception {
        for (String path : new String[] {"/echo", "/echo?mode=blocking", "/upload"}) {
            try (RawHttp http = fixture.connect()) {
                http.send("POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
                assertEquals(100, http.read().status(), path + ": 100 Continue before any body byte is sent");
                http.send("hello");
                RawHttp.Response answer = http.read();
                assertEquals(200, answer.status(), path);
                if (path.startsWith("/echo")) {
                    assertEquals("hello", answer.text());
                }
                assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text(), "the connection goes on");
            }
        }
    }
}
