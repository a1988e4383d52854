package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.demo.Responses;
import io.mpool.testing.Await;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A flood of new connections cannot starve a keep-alive connection on the same IO thread: XNIO
 * hands every accepted connection to the IO thread as a task, and the thread runs all its queued
 * tasks before it selects again; setting up at most a share of them per selector turn lets the
 * keep-alive connection's request in after the first shares instead of after the whole flood.
 *
 * <p>No timing: the one IO thread is held by a request while 200 new connections, each with a
 * request, are accepted (the kernel's accept queue is seen empty) and the keep-alive connection's
 * request arrives; then the thread is let go, and each request is numbered in the order the
 * server serves it.
 */
class AcceptFairnessTest {
    /** New connections that arrive together: many times the share. */
    private static final int NEW_CONNECTIONS = 200;
    /** Connections an IO thread sets up per selector turn (transport's AcceptTurns.MAX_ACCEPTS_PER_TURN). */
    private static final int SHARE = 16;

    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger served = new AtomicInteger();

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withIoThreads(1), next -> exchange -> {
        switch (exchange.getRequestPath()) {
            case "/test/hold-io-thread" -> {
                entered.countDown();
                release.await(30, TimeUnit.SECONDS); // holds the only IO thread on purpose
                Responses.text(exchange, 200, "released");
            }
            case "/test/order" -> Responses.text(exchange, 200, Integer.toString(served.getAndIncrement()));
            default -> next.handleRequest(exchange);
        }
    });

    @Test
    void aKeepAliveRequestIsServedWithinTwoSharesOfAFloodOfNewConnections() throws Exception {
        List<RawHttp> newcomers = new ArrayList<>();
        try (RawHttp keepAlive = fixture.connect(); RawHttp holder = fixture.connect()) {
            assertEquals(200, keepAlive.exchange(RawHttp.get("/hello")).status(), "set up, now idle");
            holder.send(RawHttp.get("/test/hold-io-thread"));
            assertTrue(entered.await(10, TimeUnit.SECONDS), "the IO thread is held");
            try {
                for (int i = 0; i < NEW_CONNECTIONS; i++) {
                    newcomers.add(fixture.connect().send(RawHttp.get("/test/order")));
                }
                Await.until("XNIO's accept thread to take every new connection", ServerFixture.SETTLE,
                        () -> acceptQueue(fixture.port()), queued -> queued == 0);
                keepAlive.send(RawHttp.get("/test/order"));
            } finally {
                release.countDown();
            }
            assertEquals(200, holder.read().status());
            RawHttp.Response answer = keepAlive.read();
            assertEquals(200, answer.status());
            int position = Integer.parseInt(answer.text().trim());
            // Before the share: 200 (every new connection was set up and served first).
            assertTrue(position <= 2 * SHARE, "the keep-alive request was served after " + position
                    + " requests on new connections (expected: at most " + 2 * SHARE + ")");
            for (RawHttp newcomer : newcomers) {
                assertEquals(200, newcomer.read().status());
            }
            assertEquals(NEW_CONNECTIONS + 1, served.get());
        } finally {
            for (RawHttp newcomer : newcomers) {
                newcomer.close();
            }
        }
    }

    private static long acceptQueue(int port) {
        try {
            return TcpState.acceptQueue(port);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
