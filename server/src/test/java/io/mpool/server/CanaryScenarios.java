package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Canary tests: a secret goes to the server (header and body) on victim connections, which also
 * abort mid-body and pipeline; then other connections send truncated, malformed, aborted and
 * error-path requests, ask for large responses and pipeline bursts. The secret must never appear
 * in any response to them, nor on the admin endpoint. Subclasses run it with scrub and with
 * poison.
 */
abstract class CanaryScenarios {
    private static final int ROUNDS = 15;

    abstract ServerFixture fixture();

    @Test
    void aSecretNeverReachesAnotherClient() throws Exception {
        byte[] token = new byte[16];
        new Random(42).nextBytes(token);
        String secret = "CANARY-" + HexFormat.of().formatHex(token);
        byte[] secretBody = secret.repeat(20_000 / secret.length() + 1).getBytes(StandardCharsets.US_ASCII);
        List<byte[]> othersSaw = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            victim(secret, secretBody);
            othersSaw.addAll(others(round));
        }
        byte[] needle = secret.getBytes(StandardCharsets.US_ASCII);
        byte[] partial = secret.substring(0, 16).getBytes(StandardCharsets.US_ASCII);
        for (byte[] response : othersSaw) {
            assertFalse(contains(response, needle) || contains(response, partial),
                    "the secret leaked into another client's response: " + new String(response, StandardCharsets.ISO_8859_1));
        }
        String admin = fixture().admin("/admin/pools", null).body();
        assertFalse(admin.contains("CANARY"), "admin endpoint shows request bytes");
        assertTrue(othersSaw.stream().filter(r -> r.length > 0).count() > ROUNDS * 5L,
                "other clients got answers to scan: " + othersSaw.size());
    }

    private void victim(String secret, byte[] secretBody) throws IOException {
        try (RawHttp http = fixture().connect()) {
            byte[] request = RawHttp.concat(("POST /echo HTTP/1.1\r\nHost: t\r\nX-Secret: " + secret
                    + "\r\nContent-Length: " + secretBody.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), secretBody);
            http.send(RawHttp.concat(request, RawHttp.post("/upload", "text/plain", secretBody), RawHttp.get("/hello")));
            assertArrayEquals(secretBody, http.read().body());
            assertEquals(200, http.read().status());
            assertEquals("hello\n", http.read().text());
        }
        for (String path : List.of("/echo", "/upload", "/echo?mode=blocking")) {
            try (Socket socket = fixture().socket(20_000)) { // aborts mid-body, leaving the secret in pool memory
                socket.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: t\r\nX-Secret: " + secret
                        + "\r\nContent-Length: 1000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().write(secretBody);
                socket.setSoLinger(true, 0);
            }
        }
    }

    private List<byte[]> others(int round) throws IOException {
        List<byte[]> seen = new ArrayList<>();
        seen.add(raw("GET /bytes/"));                                      // truncated
        seen.add(raw("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\nshort")); // truncated body
        seen.add(raw("\u0000\u0001garbage\r\n\r\n"));                             // malformed
        seen.add(raw("GET /nope HTTP/1.1\r\nHost: t\r\n\r\n"));                // 404
        seen.add(raw("DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n"));            // 405
        seen.add(raw("GET /bytes/abc HTTP/1.1\r\nHost: t\r\n\r\n"));           // 400
        seen.add(raw("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nSEE-THIS\r\n0\r\n\r\n"));
        seen.add(raw("GET /" + "x".repeat(9000) + " HTTP/1.1\r\n\r\n"));       // 414
        seen.add(raw("GET /bytes/" + (200_000 + round) + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")); // large
        seen.add(raw("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));     // empty echo
        StringBuilder burst = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            burst.append(i % 2 == 0 ? "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
                    : "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3000\r\n\r\n" + "z".repeat(3000));
        }
        burst.append("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        seen.add(raw(burst.toString()));                                        // pipelined burst
        return seen;
    }

    /** Sends {@code request}, half-closes, returns every byte the server answered. */
    private byte[] raw(String request) throws IOException {
        return RawHttp.sendAll(fixture().port(), request.getBytes(StandardCharsets.ISO_8859_1), new int[0], 20_000).received();
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
