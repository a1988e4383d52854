package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The canary test over HTTPS ({@link CanaryScenarios} on the TLS listener): victims send a secret
 * in a header and in bodies, pipelined and answered, then abort mid-body with a reset, leaving it
 * in their TLS packet buffers (ciphertext and the plaintext unwrapped ahead) and request buffers;
 * other clients then send truncated, malformed, error-path, large and pipelined requests over TLS,
 * and plain HTTP and bytes that are not TLS to the same port. The secret must never appear in
 * anything another client decrypts or receives, nor on the admin endpoint.
 */
class TlsCanaryTest {
    private static final int ROUNDS = 8;
    private static final int TIMEOUT_MILLIS = 20_000;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture().withTls(TestCertificates.openssl().listener(Duration.ofSeconds(10)));

    @Test
    void aSecretNeverReachesAnotherClientOverTls() throws Exception {
        byte[] token = new byte[16];
        new Random(43).nextBytes(token);
        String secret = "CANARY-" + HexFormat.of().formatHex(token);
        byte[] secretBody = secret.repeat(40_000 / secret.length() + 1).getBytes(StandardCharsets.US_ASCII);
        List<byte[]> othersSaw = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            victim(secret, secretBody);
            othersSaw.addAll(others(round));
        }
        byte[] needle = secret.getBytes(StandardCharsets.US_ASCII);
        byte[] partial = secret.substring(0, 16).getBytes(StandardCharsets.US_ASCII);
        for (byte[] response : othersSaw) {
            assertFalse(CanaryScenarios.contains(response, needle) || CanaryScenarios.contains(response, partial),
                    "the secret leaked into another client's answer: " + new String(response, StandardCharsets.ISO_8859_1));
        }
        assertFalse(fixture.admin("/admin/pools", null).body().contains("CANARY"), "admin endpoint shows request bytes");
        assertTrue(othersSaw.stream().filter(r -> r.length > 0).count() > ROUNDS * 5L,
                "other clients got answers to scan: " + othersSaw.size());
        fixture.awaitAllPoolsDestroyed();
    }

    private void victim(String secret, byte[] secretBody) throws Exception {
        try (SSLSocket socket = tls(plain())) {
            byte[] request = RawHttp.concat(("POST /echo HTTP/1.1\r\nHost: t\r\nX-Secret: " + secret
                    + "\r\nContent-Length: " + secretBody.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
                    secretBody, RawHttp.post("/upload", "text/plain", secretBody),
                    "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            byte[] answers = TlsClient.readUntilClosed(socket.getInputStream());
            assertTrue(CanaryScenarios.contains(answers, secretBody), "the victim's own echo came back");
            assertTrue(new String(answers, StandardCharsets.ISO_8859_1).endsWith("hello\n"), "three answers");
        }
        for (String path : List.of("/echo", "/upload", "/echo?mode=blocking")) {
            Socket raw = plain();
            try (SSLSocket socket = tls(raw)) { // aborts mid-body: the secret stays in its buffers
                OutputStream out = socket.getOutputStream();
                out.write(("POST " + path + " HTTP/1.1\r\nHost: t\r\nX-Secret: " + secret
                        + "\r\nContent-Length: 1000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(secretBody);
                out.flush();
                raw.setSoLinger(true, 0);
                raw.close();
            }
        }
    }

    private List<byte[]> others(int round) throws Exception {
        List<byte[]> seen = new ArrayList<>();
        seen.add(overTls("GET /bytes/"));                                                       // truncated
        seen.add(overTls("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\nshort")); // truncated body
        seen.add(overTls("\u0000\u0001garbage\r\n\r\n"));                                          // malformed
        seen.add(overTls("GET /nope HTTP/1.1\r\nHost: t\r\n\r\n"));                                // 404
        seen.add(overTls("DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n"));                            // 405
        seen.add(overTls("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nSEE-THIS\r\n0\r\n\r\n"));
        seen.add(overTls("GET /" + "x".repeat(9000) + " HTTP/1.1\r\n\r\n"));                       // 414
        seen.add(overTls("GET /bytes/" + (200_000 + round) + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
        seen.add(overTls("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        StringBuilder burst = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            burst.append(i % 2 == 0 ? "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
                    : "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3000\r\n\r\n" + "z".repeat(3000));
        }
        burst.append("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        seen.add(overTls(burst.toString()));                                                      // pipelined burst
        // Beneath TLS: plain HTTP (answered 400 in plain text) and bytes that are not TLS.
        seen.add(RawHttp.sendAll(fixture.server().tlsPort(), "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n",
                TIMEOUT_MILLIS).received());
        seen.add(RawHttp.sendAll(fixture.server().tlsPort(), new byte[] {(byte) 0x80, 1, 2, 3, 4, 5}, new int[0],
                TIMEOUT_MILLIS).received());
        return seen;
    }

    /** Sends {@code request} over TLS, then close_notify; every byte the server answered, decrypted. */
    private byte[] overTls(String request) throws IOException, GeneralSecurityException {
        try (SSLSocket socket = tls(plain())) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            socket.shutdownOutput();
            return TlsClient.readUntilClosed(socket.getInputStream());
        }
    }

    private Socket plain() throws IOException {
        return RawHttp.socket(fixture.server().tlsPort(), TIMEOUT_MILLIS);
    }

    private SSLSocket tls(Socket raw) throws IOException, GeneralSecurityException {
        return TestCertificates.openssl().client().over(raw, fixture.server().tlsPort(), TIMEOUT_MILLIS);
    }
}
