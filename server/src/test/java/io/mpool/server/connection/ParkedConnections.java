package io.mpool.server.connection;

import io.mpool.server.transport.HttpConnections;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What tests outside this package may see of a parked connection: whether its Undertow side went,
 * and how many Undertow connections its listener has built.
 */
public final class ParkedConnections {
    private ParkedConnections() {
    }

    /**
     * Whether {@code connection} is parked with its Undertow side let go: it is its channel's read
     * listener and close listener itself ({@code HttpConnections.park}, {@code release}).
     */
    public static boolean released(Connection connection) {
        return connection.channel().getSourceChannel().getReadListener() == connection
                && connection.channel().getCloseListener() == connection;
    }

    /**
     * Returns once {@code connection}'s IO thread has run a task queued now: what that thread was
     * doing (handling a read it had begun) is done.
     */
    public static void awaitIoThread(Connection connection) throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        connection.channel().getIoThread().execute(ran::countDown);
        if (!ran.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("connection " + connection.id() + "'s IO thread ran no task in 10 s");
        }
    }

    /** Undertow's HTTP/1.1 set-up of {@code connection}'s listener: {@link HttpConnections#opened()} counts what it built. */
    public static HttpConnections http(Connection connection) {
        return connection.listener().http();
    }
}
