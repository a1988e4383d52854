package io.mpool.loadtest.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * The coordinated-omission correction behind {@code --rate}, with known values in and exact
 * counts out, the way HdrHistogram tests {@code recordValueWithExpectedInterval}: 10,000
 * responses of 1 ms and one stall, at a 10 ms schedule.
 */
class LatenciesTest {
    private static final long ONE_MS = 1_000;
    private static final long INTERVAL = 10 * ONE_MS;
    private static final long STALL = 30_000 * ONE_MS; // 30 s: below the 60 s ceiling

    @Test
    void atAFixedRateAStallAlsoRecordsTheSendsItHeldBack() {
        Latencies latencies = new Latencies(2, INTERVAL);
        recordTheRun(latencies);
        Histogram all = latencies.all.getIntervalHistogram();
        // The stall held back 30 s / 10 ms - 1 = 2,999 sends, each recorded with what it would
        // have waited: 29.99 s, 29.98 s, ... 10 ms.
        assertEquals(10_000 + 1 + 2_999, all.getTotalCount());
        assertEquals(10_000, all.getCountBetweenValues(ONE_MS, ONE_MS));
        assertEquals(3_000, all.getCountBetweenValues(INTERVAL, STALL));
        assertEquals(1, all.getCountAtValue(STALL));
        assertEquals(1, all.getCountAtValue(INTERVAL), "the last held-back send waited one interval");
        // Each kind's own histogram is corrected the same way: the stall was kind 1's.
        assertEquals(10_000, latencies.byKind[0].getIntervalHistogram().getTotalCount());
        assertEquals(1 + 2_999, latencies.byKind[1].getIntervalHistogram().getTotalCount());
        // The median is a 1 ms response; the 99th percentile (rank 12,870) the 2,870th held-back
        // send: 28.7 s, within the histogram's precision. Uncorrected, it would be 1 ms.
        assertTrue(all.valuesAreEquivalent(ONE_MS, all.getValueAtPercentile(50)));
        assertTrue(all.valuesAreEquivalent(28_700 * ONE_MS, all.getValueAtPercentile(99)),
                "p99 " + all.getValueAtPercentile(99));
    }

    @Test
    void withoutARateEachResponseIsRecordedOnce() {
        Latencies latencies = new Latencies(2, 0);
        recordTheRun(latencies);
        Histogram all = latencies.all.getIntervalHistogram();
        assertEquals(10_001, all.getTotalCount());
        assertEquals(1, all.getCountBetweenValues(INTERVAL, STALL));
    }

    @Test
    void aWaitPastTheCeilingIsRecordedAsTheCeilingAndItsHeldBackSendsBelowIt() {
        Latencies latencies = new Latencies(1, Latencies.MAX_MICROS / 4);
        latencies.record(0, 10 * Latencies.MAX_MICROS);
        Histogram all = latencies.all.getIntervalHistogram();
        assertEquals(4, all.getTotalCount(), "60 s, then 45, 30 and 15 s for the held-back sends");
        assertEquals(1, all.getCountBetweenValues(Latencies.MAX_MICROS, Latencies.MAX_MICROS));
    }

    @Test
    void theExpectedIntervalIsEachConnectionsShareOfTheRate() {
        assertEquals(10_000_000, Latencies.expectedIntervalNanos(1_000, 10), "1,000/s over 10 connections: every 10 ms");
        assertEquals(0, Latencies.expectedIntervalNanos(0, 10), "no rate: no schedule");
        assertEquals("expectedIntervalMicros=-1 (expected: 0 for no schedule, or the microseconds between a"
                + " connection's sends)", assertThrows(IllegalArgumentException.class, () -> new Latencies(1, -1))
                .getMessage());
    }

    /** 10,000 responses of 1 ms (kind 0), then one that waited 30 s (kind 1). */
    private static void recordTheRun(Latencies latencies) {
        for (int i = 0; i < 10_000; i++) {
            latencies.record(0, ONE_MS);
        }
        latencies.record(1, STALL);
    }
}
