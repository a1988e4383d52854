package io.mpool.server.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestCountersTest {
    private static final int THREADS = 4;
    private static final int PER_THREAD = 100_000;

    /** Each thread counts in its own cell; the sums see every count once the threads are done (exactly). */
    @Test
    void countsOfEveryThreadAddUp() throws InterruptedException {
        ServerStats stats = new ServerStats();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            threads.add(new Thread(() -> {
                for (int i = 0; i < PER_THREAD; i++) {
                    stats.requestEntered();
                    stats.requestStarted();
                    stats.poolReset();
                    if (i % 2 == 0) {
                        stats.requestCompleted();
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals((long) THREADS * PER_THREAD, stats.requests());
        assertEquals((long) THREADS * PER_THREAD, stats.resets());
        assertEquals((long) THREADS * PER_THREAD / 2, stats.inFlight());
    }

    /** A request entered on one thread (an IO thread) and completed on another (a worker) is in flight between the two. */
    @Test
    void aRequestCompletedOnAnotherThreadLeavesNothingInFlight() throws InterruptedException {
        ServerStats stats = new ServerStats();
        stats.requestEntered();
        assertEquals(1, stats.inFlight());
        Thread worker = new Thread(stats::requestCompleted);
        worker.start();
        worker.join();
        assertEquals(0, stats.inFlight());
        assertEquals(0, stats.requests(), "entering the root handler is not a started request");
    }
}
