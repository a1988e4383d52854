package io.mpool.server.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

class ServerStatsTest {
    @Test
    void noCounterIsAPublicField() {
        for (Field field : ServerStats.class.getDeclaredFields()) {
            assertFalse(Modifier.isPublic(field.getModifiers()), field + " (expected: counted through a method)");
        }
    }

    @Test
    void aConnectionPlaceIsTakenUpToTheLimitAndGivenBack() {
        ServerStats stats = new ServerStats();
        assertTrue(stats.tryOpenConnection(2));
        assertTrue(stats.tryOpenConnection(2));
        assertFalse(stats.tryOpenConnection(2), "the third of 2");
        assertEquals(2, stats.connectionsOpen(), "a refused place is not kept");
        stats.connectionClosed();
        assertTrue(stats.tryOpenConnection(2));
        assertEquals(2, stats.connectionsOpen());
    }

    @Test
    void anUnfinishedHeadPlaceIsTakenUpToTheLimitAndGivenBack() {
        ServerStats stats = new ServerStats();
        assertTrue(stats.tryStartUnfinishedHead(1));
        assertFalse(stats.tryStartUnfinishedHead(1));
        assertEquals(1, stats.unfinishedHeads());
        stats.unfinishedHeadEnded();
        assertEquals(0, stats.unfinishedHeads());
    }

    @Test
    void theTempFileBudgetRefusesPastItsBoundAndCountsTheRefusal() {
        ServerStats stats = new ServerStats();
        assertTrue(stats.tryReserveBodyTemp(60, 100));
        assertTrue(stats.tryReserveBodyTemp(40, 100), "exactly the bound");
        assertFalse(stats.tryReserveBodyTemp(1, 100));
        assertEquals(100, stats.bodyTempBytes(), "nothing taken by the refusal");
        assertEquals(1, stats.bodyTempRefusals());
        stats.releaseBodyTemp(100);
        assertEquals(0, stats.bodyTempBytes());
    }

    @Test
    void theBodyMemoryBudgetRefusesPastItsBoundWithoutCounting() {
        ServerStats stats = new ServerStats();
        assertTrue(stats.tryReserveBodyMemory(4096, 8192));
        assertFalse(stats.tryReserveBodyMemory(4097, 8192));
        assertEquals(4096, stats.bodyMemoryInUse());
        assertEquals(0, stats.releaseBodyMemory(4096));
        assertEquals(0, stats.bodyMemoryEarlySpills(), "an early spill is the caller's to count");
    }

    @Test
    void framingRefusalsAreCountedInTotalAndByStatus() {
        ServerStats stats = new ServerStats();
        stats.framingRefused(431);
        stats.framingRefused(431);
        stats.framingRefused(418);
        assertEquals(3, stats.framingRefusals());
        assertEquals(2, stats.framingRefusals(4), "431 is FRAMING_STATUSES[4]");
        assertEquals(431, ServerMetric.FRAMING_STATUSES[4]);
        assertEquals(1, stats.framingRefusals(ServerMetric.OTHER_FRAMING_STATUS));
    }

    @Test
    void livePoolsAreCreatedLessDestroyed() {
        ServerStats stats = new ServerStats();
        stats.poolCreated();
        stats.poolCreated();
        stats.poolDestroyed();
        assertEquals(1, stats.poolsLive());
    }

    @Test
    void aTempFileCountsASpillAndALiveFileUntilDeleted() {
        ServerStats stats = new ServerStats();
        stats.bodyTempFileCreated();
        stats.bodySpillWritten(10);
        assertEquals(1, stats.bodySpills());
        assertEquals(1, stats.bodyTempFilesLive());
        stats.bodyTempFileDeleted();
        assertEquals(0, stats.bodyTempFilesLive());
        assertEquals(1, stats.bodySpills(), "a spill stays counted");
        assertEquals(10, stats.bodySpillBytes());
    }
}
