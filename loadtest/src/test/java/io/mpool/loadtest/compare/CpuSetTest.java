package io.mpool.loadtest.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CpuSetTest {

    private static final List<String> PROC_STAT = List.of(
            "cpu  300 0 60 900 10 0 6 0 0 0",
            "cpu0 100 0 20 300 4 0 2 1 0 0",
            "cpu1 200 0 40 600 6 0 4 0 0 0",
            "intr 12345 0 0");

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"0;[0]", "0,2;[0, 2]", "1-3;[1, 2, 3]", "3,0-1;[0, 1, 3]"})
    void tasksetListsParse(String list, String cpus) {
        assertEquals(cpus, CpuSet.parse(list).cpus().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a", "2-1", "-1", "0,,1"})
    void badListsNameTheList(String list) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuSet.parse(list));
        assertEquals("cpu list=" + list + " (expected: taskset -c style, e.g. 0 or 0,2 or 0-3)", e.getMessage());
    }

    @Test
    void busyIsEverythingButIdleAndIoWait() {
        assertEquals(new CpuSet.Times(427, 123), CpuSet.parse("0").times(PROC_STAT));
        assertEquals(new CpuSet.Times(1277, 367), CpuSet.parse("0-1").times(PROC_STAT));
    }

    @Test
    void aCpuTheMachineLacksGivesNoTimes() {
        assertNull(CpuSet.parse("0,7").times(PROC_STAT));
    }
}
