package io.mpool.server.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class RequestCountersTest {
    private static final int THREADS = 4;
    private static final int PER_THREAD = 100_000;

    /** Each thread counts in its own cell; the sums see every count once the threads are done (exactly). */
    @Test
    void countsOfEveryThreadAddUp() throws InterruptedException {
        countAndCheck(THREADS, PER_THREAD);
    }

    /**
     * Two threads whose ids pick the same slot (of 64), counting at once: the second counts through
     * its thread-local cell, not the first one's, so no count is lost to a race between them.
     */
    @Test
    void threadsSharingASlotCountApart() throws InterruptedException {
        ServerStats stats = new ServerStats();
        int perThread = 5_000_000;
        CountDownLatch start = new CountDownLatch(1);
        Runnable counting = () -> {
            awaitUninterruptibly(start);
            for (int i = 0; i < perThread; i++) {
                stats.requestStarted();
            }
        };
        Thread first = new Thread(counting);
        Thread second = new Thread(counting);
        while ((second.getId() & 63) != (first.getId() & 63)) {
            second = new Thread(counting); // thread ids go up by one: 64 more at most
        }
        first.start();
        second.start();
        start.countDown();
        first.join();
        second.join();
        assertEquals(2L * perThread, stats.requests());
    }

    private static void countAndCheck(int threadCount, int perThread) throws InterruptedException {
        ServerStats stats = new ServerStats();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1); // every thread counts at once, on a shared slot too
        for (int t = 0; t < threadCount; t++) {
            threads.add(new Thread(() -> {
                awaitUninterruptibly(start);
                for (int i = 0; i < perThread; i++) {
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
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals((long) threadCount * perThread, stats.requests());
        assertEquals((long) threadCount * perThread, stats.resets());
        assertEquals((long) threadCount * perThread / 2, stats.inFlight());
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
