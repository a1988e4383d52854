package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.connection.ServerStats;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A tiny arena under more connections than it can hold: new work is refused cleanly (a closed
 * connection, never a hang or a wrong answer), the refusals are counted, and full service
 * resumes once the load drops.
 */
class ArenaExhaustionTest {
    private static final long ARENA = 512 * 1024;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withMemory(16384, ARENA, 128 * 1024));

    @Test
    void exhaustionRefusesNewWorkCleanlyAndServiceResumes() throws Exception {
        List<Socket> holders = new ArrayList<>();
        try {
            // Each held upload pins a read buffer and the handler's buffer in the arena.
            for (int i = 0; i < 40 && fixture.server().stats().snapshot().arenaRejections() == 0; i++) {
                Socket socket = socket();
                holders.add(socket);
                try {
                    socket.getOutputStream().write("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().write(new byte[20_000]);
                } catch (java.net.SocketException refused) {
                    // this one tipped the arena over: it got its 503 and was closed while we wrote
                }
                Thread.sleep(20);
            }
            ServerStats.Totals during = fixture.server().stats().snapshot();
            assertTrue(during.arenaRejections() > 0, "the arena ran out: " + during + " " + fixture.server().arena().stats());
            assertTrue(fixture.server().arena().stats().exhaustions() > 0);
            String refused = attempt();
            System.out.println("arena exhausted after " + holders.size() + " held uploads; a new request got: " + refused
                    + "; " + during);
            assertTrue(refused.equals("closed") || refused.startsWith("HTTP/1.1 503") || refused.startsWith("HTTP/1.1 200"),
                    "refused cleanly or served: " + refused);
            assertEquals(fixture.server().arena().maxBytes(), ARENA);
            assertTrue(fixture.server().arena().stats().reservedBytes() <= ARENA, "the bound holds");
        } finally {
            for (Socket socket : holders) {
                socket.setSoLinger(true, 0);
                socket.close();
            }
        }
        fixture.awaitAllPoolsDestroyed();
        assertEquals(0, fixture.server().arena().stats().outstandingBlocks(), "all memory back after the load");
        for (int i = 0; i < 20; i++) {
            String answer = attempt();
            assertTrue(answer.startsWith("HTTP/1.1 200"), "full service resumes; attempt " + i + " got: " + answer
                    + " " + fixture.server().arena().stats() + " " + fixture.server().stats().snapshot());
        }
    }

    /** One GET /hello on a new connection: the status line, or "closed". */
    private String attempt() throws IOException {
        try (Socket socket = socket()) {
            socket.getOutputStream().write(RawHttp.get("/hello"));
            InputStream in = socket.getInputStream();
            byte[] head = in.readNBytes(17);
            return head.length == 0 ? "closed" : new String(head, StandardCharsets.ISO_8859_1);
        } catch (java.net.SocketException e) {
            return "closed";
        }
    }

    private Socket socket() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", fixture.port()), 5_000);
        socket.setSoTimeout(10_000);
        return socket;
    }
}
