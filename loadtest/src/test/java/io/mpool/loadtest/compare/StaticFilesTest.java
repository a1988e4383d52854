package io.mpool.loadtest.compare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.undertow.Undertow;
import io.undertow.server.handlers.resource.PathResourceManager;
import io.undertow.server.handlers.resource.ResourceHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The static-file workloads' files and the byte-for-byte check every server passes before timing. */
class StaticFilesTest {
    @TempDir
    Path dir;

    @Test
    void theFilesAreWrittenWithTheirSizesAndTheirPattern() throws IOException {
        StaticFiles.write(dir.resolve("static"));
        assertEquals(Map.of("1023.bin", 1023, "1k.bin", 1024, "64k.bin", 65536, "1m.bin", 1048576), StaticFiles.SIZES);
        for (Map.Entry<String, Integer> file : StaticFiles.SIZES.entrySet()) {
            byte[] written = Files.readAllBytes(dir.resolve("static").resolve(file.getKey()));
            assertEquals(file.getValue(), written.length, file.getKey());
            assertArrayEquals(StaticFiles.content(file.getValue()), written, file.getKey());
        }
    }

    /** Stock Undertow's ResourceHandler, as the reference server runs it: every file passes. */
    @Test
    void everyFileServedByAResourceHandlerPassesTheCheck() throws IOException {
        Path files = StaticFiles.write(dir.resolve("static"));
        ResourceHandler handler = new ResourceHandler(new PathResourceManager(files));
        Undertow server = Undertow.builder().setIoThreads(1).setWorkerThreads(2).addHttpListener(0, "127.0.0.1")
                .setHandler(exchange -> {
                    exchange.setRelativePath(exchange.getRequestPath().substring(StaticFiles.PREFIX.length() - 1));
                    handler.handleRequest(exchange);
                }).build();
        server.start();
        try {
            int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
            for (String name : StaticFiles.SIZES.keySet()) {
                StaticFiles.check("reference", port, name);
            }
        } finally {
            server.stop();
        }
    }

    @Test
    void oneWrongByteFailsTheCheckNamingTheServerFileAndOffset() throws Exception {
        byte[] body = StaticFiles.content(1024);
        body[700] ^= 1;
        IOException e = assertThrows(IOException.class, () -> checkAgainst(answer(200, body), "1k.bin"));
        assertEquals("bad: GET /static/1k.bin body differs from the file at byte 700 (1024 bytes received, 1024"
                + " expected)", e.getMessage());
    }

    @Test
    void aShortBodyOrAnotherStatusFailsTheCheck() throws Exception {
        IOException shorter = assertThrows(IOException.class,
                () -> checkAgainst(answer(200, StaticFiles.content(1023)), "1k.bin"));
        assertEquals("bad: GET /static/1k.bin Content-Length=1023 (expected: 1024)", shorter.getMessage());
        IOException missing = assertThrows(IOException.class,
                () -> checkAgainst(answer(404, new byte[0]), "1k.bin"));
        assertEquals("bad: GET /static/1k.bin answered 'HTTP/1.1 404 X' (expected: HTTP/1.1 200)", missing.getMessage());
    }

    private static byte[] answer(int status, byte[] body) {
        byte[] head = ("HTTP/1.1 " + status + " X\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] answer = new byte[head.length + body.length];
        System.arraycopy(head, 0, answer, 0, head.length);
        System.arraycopy(body, 0, answer, head.length, body.length);
        return answer;
    }

    /** A one-shot server on loopback that reads the request head, writes {@code answer} and closes. */
    private static void checkAgainst(byte[] answer, String name) throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket socket = listener.accept()) {
                    byte[] head = new byte[4096];
                    int read = 0;
                    while (!new String(head, 0, read, StandardCharsets.US_ASCII).contains("\r\n\r\n")) {
                        int n = socket.getInputStream().read(head, read, head.length - read);
                        if (n < 0) {
                            return;
                        }
                        read += n;
                    }
                    OutputStream out = socket.getOutputStream();
                    out.write(answer);
                    out.flush();
                } catch (IOException ignored) {
                    // the check reports what it got
                }
            });
            server.start();
            try {
                StaticFiles.check("bad", listener.getLocalPort(), name);
            } finally {
                server.join(10_000);
            }
        }
    }
}
