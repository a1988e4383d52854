package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.testing.Await;
import io.undertow.server.HttpHandler;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stopping while connections wait to be accepted logs at most one line about the accepts that
 * failed because the listener had closed. (Before: XNIO logged {@code XNIO001009 Failed to
 * accept}, and {@code XNIO000011 Task ... failed} once the worker stopped, with a stack trace for
 * every accept still scheduled: up to 1,949 in 0.4 s.)
 *
 * <p>The wait is made certain, not hoped for: a request that blocks the IO thread holds it while
 * {@value #WAITING} connections queue in the kernel; when it is let go, XNIO accepts them in one
 * burst and schedules a hand-over for each, and the first of them carries a request that blocks
 * the IO thread again, inside that burst. The server stops then, with the hand-overs pending.
 */
class StopWhileConnectingTest {
    private static final int WAITING = 300;
    private static final String BLOCK = "GET /block HTTP/1.1\r\nHost: t\r\n\r\n";

    private final Semaphore entered = new Semaphore(0);
    private final Semaphore gate = new Semaphore(0);

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config, this::blockingRoute);

    /** {@code /block} holds the IO thread until the test opens the gate. */
    private HttpHandler blockingRoute(HttpHandler next) {
        return exchange -> {
            if (!exchange.getRequestPath().equals("/block")) {
                next.handleRequest(exchange);
                return;
            }
            entered.release();
            if (!gate.tryAcquire(ServerFixture.SETTLE.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the test never opened the gate");
            }
            exchange.getResponseSender().send("unblocked\n");
        };
    }

    @Test
    void stoppingWithAcceptsPendingLogsAtMostOneLineAboutThem() throws Exception {
        List<LogRecord> failedAccepts = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                String message = String.valueOf(record.getMessage()).toLowerCase(Locale.ROOT);
                boolean xnioTrouble = String.valueOf(record.getLoggerName()).startsWith("org.xnio")
                        && record.getLevel().intValue() >= Level.WARNING.intValue();
                if (xnioTrouble || message.contains("accept") || message.contains("handed over")) {
                    synchronized (failedAccepts) {
                        failedAccepts.add(record);
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        List<Socket> sockets = new ArrayList<>();
        Thread stopper = new Thread(() -> fixture.server().stop(Duration.ofSeconds(5)), "stopper");
        root.addHandler(capture);
        try {
            sockets.add(send(BLOCK));
            assertTrue(entered.tryAcquire(10, TimeUnit.SECONDS), "the first request holds the IO thread");
            sockets.add(send(BLOCK)); // first in the kernel's accept queue: it will hold the IO thread in the burst
            for (int i = 0; i < WAITING; i++) {
                sockets.add(RawHttp.socket(fixture.port(), 10_000));
            }
            gate.release();
            assertTrue(entered.tryAcquire(10, TimeUnit.SECONDS), "the burst's first connection holds the IO thread");
            stopper.start();
            awaitListenerClosed();
            gate.release();
            stopper.join(ServerFixture.SETTLE.toMillis());

        } finally {
            gate.release(2);
            root.removeHandler(capture);
            for (Socket socket : sockets) {
                socket.close();
            }
        }
        synchronized (failedAccepts) {
            assertTrue(failedAccepts.size() <= 1, failedAccepts.size() + " lines about failed accepts, the first: "
                    + (failedAccepts.isEmpty() ? "" : failedAccepts.get(0).getLoggerName() + " "
                    + failedAccepts.get(0).getMessage()));
        }
    }

    private Socket send(String request) throws IOException {
        Socket socket = RawHttp.socket(fixture.port(), 10_000);
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        return socket;
    }

    /** Until a new connection is refused: the stop has closed the main listener. */
    private void awaitListenerClosed() {
        Await.until("the main listener to refuse a new connection", ServerFixture.SETTLE,
                () -> RawHttp.connectOutcome(fixture.port()), outcome -> outcome.startsWith("refused"));
    }
}
