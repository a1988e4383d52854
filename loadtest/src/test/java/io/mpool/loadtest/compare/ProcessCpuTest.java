package io.mpool.loadtest.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

class ProcessCpuTest {

    /** A real line's shape: fields 14-17 are 7, 5, 11, 13 (utime, stime, cutime, cstime). */
    private static final String STAT = "4242 (%s) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 5 11 13 20 0 30 0 1234 "
            + "5000000 1000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0";

    @Test
    void ticksAreUtimePlusStimePlusChildrensTimes() {
        assertEquals(7 + 5 + 11 + 13, ProcessCpu.ticksOfStat(STAT.formatted("java")));
    }

    @Test
    void aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields() {
        assertEquals(36, ProcessCpu.ticksOfStat(STAT.formatted("my (odd) 1 2 3 name")));
    }

    @Test
    void aThreadCountsOnlyItsOwnTimeNotTheProcesssChildren() {
        assertEquals(7 + 5, ProcessCpu.ticksOfStat(STAT.formatted("C2 CompilerThre"), 2));
    }

    @Test
    void aJvmHasJitTicksAndTheyAreAPartOfItsCpu() {
        assumeTrue(ProcessCpu.available(), "Linux /proc only");
        long jit = ProcessCpu.jitTicks(ProcessHandle.current());
        assertTrue(jit >= 0 && jit <= ProcessCpu.ticks(ProcessHandle.current()), "jit " + jit);
    }

    @Test
    void aShortLineIsRefusedWithTheLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProcessCpu.ticksOfStat("1 (x) S 1 2"));
        assertEquals("stat=1 (x) S 1 2 (expected: at least 17 fields)", e.getMessage());
    }

    @Test
    void thisProcessHasATickCountAndTheClockRateIsKnown() {
        assumeTrue(ProcessCpu.available(), "Linux /proc only");
        assertTrue(ProcessCpu.ticks(ProcessHandle.current()) >= 0);
        assertTrue(ProcessCpu.TICKS_PER_SECOND > 0);
    }
}
