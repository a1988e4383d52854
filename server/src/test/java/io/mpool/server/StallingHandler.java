package io.mpool.server;

import io.undertow.server.HttpHandler;
import java.util.concurrent.CountDownLatch;

/** A handler that holds its request, reading none of the body, until a latch is released. */
final class StallingHandler {
    private StallingHandler() {
    }

    /**
     * Waits on a worker thread for {@code release}, then reads the whole body on the IO thread and
     * answers {@code read N} (N the body's bytes).
     */
    static HttpHandler readingAfter(CountDownLatch release) {
        return exchange -> exchange.dispatch(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.dispatch(exchange.getIoThread(), () -> RequestBody.read(exchange, (done, body) ->
                    done.getResponseSender().send("read " + body.size())));
        });
    }
}
