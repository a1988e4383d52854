package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.config.RequestLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The body-rate floor over a window, checked by the sweep too: a client that sends most of a body
 * at once (far above the floor on average for many minutes) and then a byte every 2 s keeps its
 * connection's body memory only about {@link RequestLimits#BODY_RATE_WINDOW_SECONDS}: it gets 408.
 * The read timeout (60 s here) never fires, since bytes keep coming.
 */
class SlowBodyWindowTest {
    private static final int SOCKET_TIMEOUT_MILLIS = 45_000;
    private static final long TRICKLE_MILLIS = 2_000;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withLimits(config.limits()
            .withTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(10),
                    Duration.ofSeconds(60))));

    @Test
    void aBodyThatTricklesAfterAFastStartGets408WithinTheWindow() throws Exception {
        int announced = 1024 * 1024 - 1;
        int fast = 512 * 1024;
        try (Socket socket = fixture.socket(SOCKET_TIMEOUT_MILLIS)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /json HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: "
                    + announced + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] body = new byte[fast];
            Arrays.fill(body, (byte) ' ');
            out.write(body);
            out.flush();
            Thread trickle = new Thread(() -> {
                try {
                    for (int i = 0; i < fast; i++) {
                        Thread.sleep(TRICKLE_MILLIS);
                        out.write(' ');
                        out.flush();
                    }
                } catch (IOException | InterruptedException e) {
                    // the server closed the connection: the trickle ends
                }
            }, "trickle");
            trickle.setDaemon(true);
            trickle.start();
            try {
                InputStream in = socket.getInputStream();
                String head = BodyTestSupport.head(in);
                assertTrue(head.startsWith("HTTP/1.1 408 "), head);
            } finally {
                trickle.interrupt();
                trickle.join(10_000);
            }
        }
        assertEquals(1, fixture.server().stats().framingRefusals(1), "one 408 from the body-rate floor");
    }
}
