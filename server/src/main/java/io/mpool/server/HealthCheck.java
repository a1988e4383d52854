package io.mpool.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * {@code --health-check}: one {@code GET /hello} to the main listener on loopback. Uses nothing
 * but the JDK, so a container image needs no curl; needs no admin token.
 */
final class HealthCheck {
    private static final int TIMEOUT_MILLIS = 3_000;

    private HealthCheck() {
    }

    static int run(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write("GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readNBytes(64), StandardCharsets.US_ASCII);
            if (answer.startsWith("HTTP/1.1 200 ")) {
                System.out.println("mpool healthy on port " + port);
                return 0;
            }
            System.err.println("mpool unhealthy on port " + port + ": " + answer.lines().findFirst().orElse("no answer"));
            return 1;
        } catch (IOException e) {
            System.err.println("mpool unhealthy on port " + port + ": " + e);
            return 1;
        }
    }
}
