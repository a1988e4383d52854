package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import io.mpool.server.transport.ListenerAccepts;
import io.mpool.testing.Await;
import io.undertow.Undertow;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/**
 * Accepted sockets waiting for their IO thread are capped: past 1,024 on one thread the listener
 * stops accepting, and new connections wait in the kernel's accept queue (where they hold no
 * descriptor of ours) until the thread has set up half of them. Before, XNIO's accept thread kept
 * accepting whatever the IO thread could not yet set up, until descriptors ran out.
 *
 * <p>A bare XNIO listener with the server's accept step ({@link ListenerAccepts}) and a set-up
 * that the test can hold: the first connection holds the one IO thread while 1,100 more are
 * accepted; let go, the thread sets up one share (16) and queues the rest, past the cap; the first
 * connection of its next turn holds it again. Connections made now must stay in the kernel's queue.
 */
class AcceptWaitingCapTest {
    /** More than AcceptTurns.MAX_WAITING (1,024) beyond the first share. */
    private static final int FLOOD = 1_100;
    /** Connections an IO thread sets up per selector turn (AcceptTurns.MAX_ACCEPTS_PER_TURN). */
    private static final int SHARE = 16;
    /** Connections that must be seen waiting in the kernel's queue while the cap holds. */
    private static final int QUEUED = 20;

    private final Queue<StreamConnection> opened = new ConcurrentLinkedQueue<>();
    private final AtomicInteger setUps = new AtomicInteger();
    private final CountDownLatch firstHeld = new CountDownLatch(1);
    private final CountDownLatch letFirstGo = new CountDownLatch(1);
    private final CountDownLatch turnHeld = new CountDownLatch(1);
    private final CountDownLatch letTurnGo = new CountDownLatch(1);

    @Test
    void pastTheWaitingCapNewConnectionsStayInTheKernelsAcceptQueue() throws Exception {
        long descriptors = ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getMaxFileDescriptorCount();
        Assumptions.assumeTrue(descriptors >= 10_000, "needs about 2,500 descriptors; the limit is " + descriptors);
        XnioWorker worker = Xnio.getInstance(Undertow.class.getClassLoader()).createWorker(OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, 1).set(Options.WORKER_NAME, "cap-test").getMap());
        ChannelListener<StreamConnection> setUp = this::setUp;
        AcceptingChannel<StreamConnection> listener = worker.createStreamConnectionServer(new InetSocketAddress("127.0.0.1", 0),
                new ListenerAccepts(Logger.getLogger(AcceptWaitingCapTest.class.getName())).adapter(setUp),
                OptionMap.create(Options.BACKLOG, 2_048));
        int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
        listener.resumeAccepts();
        List<Socket> clients = new ArrayList<>();
        try {
            clients.add(connect(port));
            assertTrue(firstHeld.await(10, TimeUnit.SECONDS), "the first connection holds the IO thread");
            for (int i = 0; i < FLOOD; i++) {
                clients.add(connect(port));
            }
            Await.until("XNIO's accept thread to take the flood", ServerFixture.SETTLE, () -> TcpState.acceptQueue(port),
                    queued -> queued == 0);
            letFirstGo.countDown();
            assertTrue(turnHeld.await(10, TimeUnit.SECONDS), "the first connection of the next turn holds the IO thread");
            // The cap stopped the listener; once that reaches XNIO's accept thread, new connections stay queued.
            // Before the cap every one was accepted and the queue stayed empty.
            Await.until(QUEUED + " new connections waiting in the kernel's accept queue", ServerFixture.SETTLE, () -> {
                clients.add(connect(port));
                return TcpState.acceptQueue(port);
            }, queued -> queued >= QUEUED);
            letTurnGo.countDown();
            int all = clients.size();
            Await.until("every connection set up once the IO thread is free", ServerFixture.SETTLE, setUps::get,
                    count -> count == all);
        } finally {
            letFirstGo.countDown();
            letTurnGo.countDown();
            for (Socket client : clients) {
                client.close();
            }
            IoUtils.safeClose(listener);
            opened.forEach(IoUtils::safeClose);
            worker.shutdownNow();
        }
    }

    /** The set-up step: counts and keeps the connection; the first one and the first of the second turn hold the thread. */
    private void setUp(StreamConnection connection) {
        opened.add(connection);
        int index = setUps.getAndIncrement();
        if (index == 0) {
            hold(firstHeld, letFirstGo);
        } else if (index == SHARE) { // the first share was 0..15; 16 is the first of the next turn
            hold(turnHeld, letTurnGo);
        }
    }

    private static void hold(CountDownLatch held, CountDownLatch letGo) {
        held.countDown();
        try {
            letGo.await(30, TimeUnit.SECONDS); // holds the one IO thread on purpose
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return socket;
    }
}
