package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.testing.Await;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The main listener's accept-side limits over real sockets: {@code --max-connections} and
 * {@code --max-unfinished-heads}. One connection over a limit gets a prepared 503 and is closed;
 * the admin listener still answers; closing a connection (or sending a head) makes room; the
 * refusals are counted and logged a line at a time. (Before: no limit at all, every connection
 * was served until the process ran out of file descriptors.)
 */
class ConnectionLimitTest {
    private static final int MAX_CONNECTIONS = 8;
    private static final int MAX_UNFINISHED_HEADS = 4;
    private static final String HELLO = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withConnectionLimits(MAX_CONNECTIONS,
            MAX_UNFINISHED_HEADS));

    @Test
    void aConnectionOverTheLimitGets503AndClosingOneMakesRoom() throws Exception {
        CaptureHandler capture = new CaptureHandler();
        Logger.getLogger("").addHandler(capture);
        List<RawHttp> held = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CONNECTIONS; i++) {
                RawHttp client = fixture.connect();
                held.add(client);
                assertEquals(200, client.exchange(HELLO.getBytes(StandardCharsets.US_ASCII)).status(), "connection " + i);
            }
            int refusals = 50;
            for (int i = 0; i < refusals; i++) {
                RawHttp.Exchange refused = RawHttp.sendAll(fixture.port(), HELLO, 10_000);
                assertEquals(answer503("server at its connection limit (" + MAX_CONNECTIONS + "); retry later"),
                        refused.text(), "refusal " + i);
                assertTrue(Set.of("closed", "reset").contains(refused.ending()), refused.ending());
            }
            ServerFixture.AdminAnswer admin = fixture.admin("/admin/pools", null);
            assertEquals(200, admin.status(), "the admin listener answers while the main one is full");
            assertEquals(refusals, admin.json().path("totals").path("connectionLimitRefusals").asLong(), admin.body());
            assertEquals(MAX_CONNECTIONS, admin.json().path("totals").path("connectionsOpen").asLong(), admin.body());
            assertEquals(0, admin.json().path("totals").path("unfinishedHeads").asLong(), admin.body());
            assertEquals(MAX_CONNECTIONS, fixture.server().registry().size(), "refused connections got no pool");

            held.remove(0).close();
            assertEquals("200", servedAfterRoomIsMade(), "a connection is served once one closed");
        } finally {
            for (RawHttp client : held) {
                client.close();
            }
            Logger.getLogger("").removeHandler(capture);
        }
        List<String> warnings = capture.records().stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
                .map(LogRecord::getMessage).toList();
        assertTrue(warnings.size() <= 2, "refusals are logged a line at a time: " + warnings);
        assertTrue(warnings.get(0).contains("the --max-connections limit"), warnings.toString());
    }

    @Test
    void connectionsWithoutARequestHeadAreLimitedAndAHeadMakesRoom() throws Exception {
        List<RawHttp> served = new ArrayList<>();
        List<Socket> silent = new ArrayList<>();
        try {
            // Connections that have sent a request do not count as unfinished.
            for (int i = 0; i < 3; i++) {
                RawHttp client = fixture.connect();
                served.add(client);
                assertEquals(200, client.exchange(HELLO.getBytes(StandardCharsets.US_ASCII)).status());
            }
            for (int i = 0; i < MAX_UNFINISHED_HEADS; i++) {
                Socket socket = fixture.socket(10_000);
                silent.add(socket);
                if (i == 0) {
                    socket.getOutputStream().write("GET /hel".getBytes(StandardCharsets.US_ASCII)); // half a head
                }
            }
            awaitUnfinishedHeads(MAX_UNFINISHED_HEADS);
            RawHttp.Exchange refused = RawHttp.sendAll(fixture.port(), HELLO, 10_000);
            assertEquals(answer503("too many connections without a request yet (at most " + MAX_UNFINISHED_HEADS
                    + "); retry later"), refused.text());
            ServerFixture.AdminAnswer admin = fixture.admin("/admin/pools", null);
            assertEquals(1, admin.json().path("totals").path("unfinishedHeadRefusals").asLong(), admin.body());
            assertEquals(0, admin.json().path("totals").path("connectionLimitRefusals").asLong(), admin.body());
            assertEquals(MAX_UNFINISHED_HEADS + 3, admin.json().path("totals").path("connectionsOpen").asLong());

            // The half-sent head completes: that connection is served and no longer unfinished.
            silent.get(0).getOutputStream().write("lo HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] head = new byte[12];
            assertEquals(12, silent.get(0).getInputStream().readNBytes(head, 0, 12));
            assertEquals("HTTP/1.1 200", new String(head, StandardCharsets.US_ASCII));
            assertEquals("200", servedAfterRoomIsMade(), "a new connection is admitted once a head arrived");
        } finally {
            for (RawHttp client : served) {
                client.close();
            }
            for (Socket socket : silent) {
                socket.close();
            }
        }
        Await.until("every connection's place given back (connectionsOpen = 0)", ServerFixture.SETTLE,
                () -> fixture.server().stats().connectionsOpen(), open -> open == 0);
        assertEquals(0, fixture.server().stats().unfinishedHeads(), "every unfinished head given back");
    }

    /** The exact bytes of a refusal at accept. */
    static String answer503(String reason) {
        String body = reason + "\n";
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                + body.length() + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + body;
    }

    /**
     * New connections until one is served (the freed place is counted back when the server has
     * seen the close, a moment later); returns its status, or what the last attempt got.
     */
    private String servedAfterRoomIsMade() {
        String served = Await.until("a new connection to be served", ServerFixture.SETTLE,
                () -> RawHttp.sendAll(fixture.port(), "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                        10_000).text(), answer -> answer.startsWith("HTTP/1.1 200 "));
        return served.substring("HTTP/1.1 ".length(), "HTTP/1.1 200".length());
    }

    private void awaitUnfinishedHeads(int expected) {
        Await.until(expected + " connections accepted (unfinished heads)", ServerFixture.SETTLE,
                () -> fixture.server().stats().unfinishedHeads(), heads -> heads == expected);
    }

    /** Collects every log record. */
    private static final class CaptureHandler extends Handler {
        private final List<LogRecord> records = new ArrayList<>();

        @Override
        public synchronized void publish(LogRecord record) {
            records.add(record);
        }

        synchronized List<LogRecord> records() {
            return List.copyOf(records);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
