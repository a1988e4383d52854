package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.testing.Await;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connections refused while the arena is full cost nothing once closed and do not flood the
 * log: no stack trace, a rate-limited line, no channel left in the server's map.
 */
class RefusalFloodTest {
    private static final long ARENA = 256 * 1024;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withMemory(16384, ARENA, 64 * 1024));

    @Test
    void aFloodOfRefusalsLogsOneLineAndLeavesNothingBehind() throws Exception {
        List<LogRecord> logged = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public synchronized void publish(LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        List<Socket> holders = new ArrayList<>();
        int refused = 0;
        try {
            // Uploads that never finish pin buffers until the arena is full.
            for (int i = 0; i < 40 && fixture.server().stats().arenaRejections() == 0; i++) {
                Socket holder = connect();
                holders.add(holder);
                try {
                    holder.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    holder.getOutputStream().write(new byte[20_000]);
                } catch (IOException tippedOver) {
                    // this one was refused while writing
                }
                fixture.awaitReadByServer(holders.get(holders.size() - 1));
            }
            assertTrue(fixture.server().stats().arenaRejections() > 0, "the arena ran out");
            for (int i = 0; i < 300; i++) {
                RawHttp.Exchange answer = RawHttp.sendAll(fixture.port(), RawHttp.get("/hello"), new int[0], 10_000);
                String text = answer.text();
                if (text.isEmpty() || text.startsWith("HTTP/1.1 503 ")) {
                    refused++;
                } else {
                    assertTrue(text.startsWith("HTTP/1.1 200 "), "refused cleanly or served: " + text);
                }
            }
        } finally {
            for (Socket holder : holders) {
                holder.setSoLinger(true, 0);
                holder.close();
            }
            root.removeHandler(capture);
        }
        assertTrue(refused > 0, "the flood met a full arena");
        List<LogRecord> snapshot;
        synchronized (capture) {
            snapshot = List.copyOf(logged);
        }
        assertEquals(List.of(), snapshot.stream().filter(r -> r.getThrown() != null)
                .map(r -> r.getLoggerName() + ": " + r.getMessage()).toList(), "no stack traces");
        long warnings = snapshot.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue()).count();
        assertTrue(warnings <= 3, refused + " refusals logged " + warnings + " warnings: "
                + snapshot.stream().map(LogRecord::getMessage).toList());
        fixture.awaitAllPoolsDestroyed();
        Await.until("refused connections to be forgotten once closed (open connections = 0)", ServerFixture.SETTLE,
                () -> fixture.server().openConnections(), open -> open == 0);
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", fixture.port()), 5_000);
        socket.setSoTimeout(10_000);
        return socket;
    }
}
