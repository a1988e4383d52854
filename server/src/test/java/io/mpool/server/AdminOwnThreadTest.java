package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.admin.AdminListener;
import io.mpool.server.demo.Responses;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admin listener never needs a main IO thread: with the server's one main IO thread held by a
 * request, {@code /admin/pools} is still answered, by the admin worker's own IO thread.
 */
class AdminOwnThreadTest {
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    /** The thread that ran the request holding the main IO thread. */
    private volatile String mainIoThread;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withIoThreads(1), next -> exchange -> {
        if (exchange.getRequestPath().equals("/test/hold-io-thread")) {
            mainIoThread = Thread.currentThread().getName();
            entered.countDown();
            release.await(30, TimeUnit.SECONDS); // holds the only main IO thread on purpose
            Responses.text(exchange, 200, "released");
        } else {
            next.handleRequest(exchange);
        }
    });

    @Test
    void theAdminEndpointAnswersWhileTheMainIoThreadIsHeld() throws Exception {
        try (RawHttp held = fixture.connect()) {
            held.send(RawHttp.get("/test/hold-io-thread"));
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            try {
                ServerFixture.AdminAnswer pools = fixture.admin("/admin/pools", null);
                assertEquals(200, pools.status(), pools.body());
                List<String> adminIoThreads = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                        .filter(name -> name.startsWith(AdminListener.WORKER_NAME + " I/O")).toList();
                assertEquals(1, adminIoThreads.size(), "the admin worker's one IO thread");
                assertTrue(mainIoThread.startsWith("mpool I/O"), mainIoThread);
            } finally {
                release.countDown();
            }
            assertEquals(200, held.read().status());
        }
    }
}
