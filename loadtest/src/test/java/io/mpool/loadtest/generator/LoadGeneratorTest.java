package io.mpool.loadtest.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.loadtest.DemoServer;
import io.mpool.server.MpoolServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;


/** The generator against a real mpool server (verified, invariants checked) and a lying one. */
class LoadGeneratorTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"keep-alive mix", "pipelined", "churn", "fixed rate", "whole bodies"})
    void verifiedRunsAgainstMpoolHaveNoErrorsAndTheInvariantsHold(String mode) throws Exception {
        MpoolServer server = DemoServer.start();
        try {
            URI url = URI.create("http://127.0.0.1:" + server.port());
            LoadSettings settings = switch (mode) {
                case "pipelined" -> settings(url, 8, 16, 0, "hello:2,echo:1", true);
                case "churn" -> settings(url, 4, 1, 0, "hello", false);
                case "fixed rate" -> settings(url, 8, 1, 2_000, "hello,bytes", true);
                case "whole bodies" -> settings(url, 8, 1, 0, "echo-full,json", true);
                default -> settings(url, 8, 1, 0, "hello:2,echo:1,upload:1,bytes:1", true);
            };
            AdminProbe probe = new AdminProbe(URI.create("http://127.0.0.1:" + server.adminPort()), null);
            probe.before();
            LoadResult result = LoadRun.run(settings, "test " + mode, probe, null).withAdmin(probe.after());
            assertEquals(Map.of(), result.errors(), result.table());
            assertTrue(result.requests() > 100, result.table());
            assertTrue(result.admin().invariantsHold(), result.table());
            assertEquals(result.requests(), result.admin().requests(), "the server counted what we sent");
            assertTrue(result.p50Micros() > 0 && result.p50Micros() <= result.p99Micros()
                    && result.p99Micros() <= result.maxMicros(), result.table());
        } finally {
            server.stop(Duration.ofSeconds(5));
            assertEquals(0, server.arenaStats().outstandingBlocks(), "arena blocks outstanding after stop");
        }
    }

    @Test
    void verificationCatchesAWrongBody() throws Exception {
        try (ServerSocket liar = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread thread = new Thread(() -> serveWrongHello(liar));
            thread.setDaemon(true);
            thread.start();
            LoadResult result = LoadRun.run(settings(URI.create("http://127.0.0.1:" + liar.getLocalPort()), 1, 1, 0, "hello", true),
                    "liar", null, null);
            assertTrue(result.errors().getOrDefault("verify: hello body differs", 0L) > 0, result.table());
            assertEquals(0, result.requests(), "no response counted as good");
        }
    }

    @Test
    void badOptionsNameTheFlag() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LoadSettings(URI.create("http://127.0.0.1:1"), 0, 1, Duration.ofSeconds(1), 1, 0, "hello", 0, 0,
                        false, true, Duration.ofSeconds(1), Duration.ZERO));
        assertEquals("--connections=0 (expected: 1..100000)", e.getMessage());
        assertEquals("--pipeline=4 with --no-keep-alive (expected: 1)", assertThrows(IllegalArgumentException.class,
                () -> new LoadSettings(URI.create("http://127.0.0.1:1"), 1, 1, Duration.ofSeconds(1), 4, 0, "hello", 0, 0,
                        false, false, Duration.ofSeconds(1), Duration.ZERO)).getMessage());
        assertEquals("--mix=hello,nope: unknown kind 'nope' (expected: hello, echo, echo-full, upload, json, bytes)",
                assertThrows(IllegalArgumentException.class, () -> RequestMix.parse("hello,nope", 1, 1, "h", false)).getMessage());
    }

    private static LoadSettings settings(URI url, int connections, int pipeline, double rate, String mix, boolean keepAlive) {
        return new LoadSettings(url, connections, 1, Duration.ofSeconds(2), pipeline, rate, mix, 3000, 5000, true, keepAlive,
                Duration.ofSeconds(10), Duration.ZERO);
    }

    /** Answers every request with a 200 whose body is almost, but not quite, "hello\n". */
    private static void serveWrongHello(ServerSocket liar) {
        while (!liar.isClosed()) {
            try (Socket socket = liar.accept()) {
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                byte[] buffer = new byte[4096];
                int matched = 0;
                for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
                    for (int i = 0; i < n; i++) { // one answer per request head (ends with an empty line)
                        matched = buffer[i] == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : 0;
                        if (matched == 4) {
                            matched = 0;
                            out.write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhellX\n".getBytes(StandardCharsets.US_ASCII));
                        }
                    }
                }
            } catch (IOException e) {
                // next connection, or closed
            }
        }
    }
}
