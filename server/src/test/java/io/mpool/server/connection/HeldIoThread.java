package io.mpool.server.connection;

import java.util.concurrent.CountDownLatch;

/**
 * A connection's IO thread held by a task that waits until {@link #release()}: what the server
 * would do on that thread (read, park, time out) queues behind it, as it does behind a busy
 * thread under load. Holding begins when {@link #hold} returns.
 */
final class HeldIoThread {
    private final CountDownLatch release = new CountDownLatch(1);

    private HeldIoThread() {
    }

    static HeldIoThread hold(Connection connection) throws InterruptedException {
        HeldIoThread held = new HeldIoThread();
        CountDownLatch running = new CountDownLatch(1);
        connection.channel().getIoThread().execute(() -> {
            running.countDown();
            try {
                held.release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        running.await();
        return held;
    }

    /** Lets the IO thread go on. */
    void release() {
        release.countDown();
    }
}
