package io.mpool.loadtest.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkloadTest {

    @Test
    void numbersCountFromOneInOrderAndIdsAreUnique() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < Workload.ALL.size(); i++) {
            assertEquals(i + 1, Workload.ALL.get(i).number());
            ids.add(Workload.ALL.get(i).id());
        }
        assertEquals(Workload.ALL.size(), ids.size());
    }

    @Test
    void aWorkloadIsFoundByNumberOrId() {
        assertSame(Workload.ALL.get(3), Workload.parse("4"));
        assertSame(Workload.ALL.get(3), Workload.parse("echo-64k"));
        assertEquals(65536, Workload.parse("echo-64k").bodySize());
    }

    @Test
    void anUnknownWorkloadListsTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Workload.parse("9"));
        assertEquals("--workloads=9 (expected: 1..8 or one of hello-64, hello-1000, echo-1k, echo-64k, pipelined-16, churn-16,"
                + " echo-full-64k, json-64k)",
                e.getMessage());
    }

    @Test
    void everyWorkloadHasIssue10sCpuTargetsAndOnlyChurnIsAllowedFivePercent() {
        for (Workload workload : Workload.ALL) {
            double expected = workload.keepAlive() ? 1.00 : 1.05;
            assertEquals(expected, workload.targets().cpuVsUndertow(), workload.id());
            boolean wholeBody = workload.mix().equals("echo-full") || workload.mix().equals("json");
            assertEquals(wholeBody ? 1.0 / 3 : 1.00, workload.targets().cpuVsReference(), workload.id());
        }
    }

    @Test
    void theWholeBodyWorkloadsCarryIssue13sHeapTargetAgainstStockUndertow() {
        List<String> withHeapVsReference = Workload.ALL.stream()
                .filter(w -> !Double.isNaN(w.targets().heapVsReference())).map(Workload::id).toList();
        assertEquals(List.of("echo-full-64k", "json-64k"), withHeapVsReference);
        assertEquals(1.0 / 20, Workload.parse("json-64k").targets().heapVsReference());
        assertEquals("/echo?mode=full", Workload.parse("7").path());
    }

    @Test
    void theRateTargetsBelongToTheLargeBodyOnly() {
        List<Workload> withRateTargets = Workload.ALL.stream()
                .filter(w -> !Double.isNaN(w.targets().rateVsReference())).toList();
        assertEquals(List.of(Workload.parse("echo-64k")), withRateTargets);
        assertFalse(Double.isNaN(Workload.parse("hello-64").targets().heapVsUndertow()));
    }

    @Test
    void helpListsEveryWorkload() {
        List<String> candidates = new ArrayList<>();
        new Workload.Candidates().forEach(candidates::add);
        assertEquals(List.of("1 hello-64", "2 hello-1000", "3 echo-1k", "4 echo-64k", "5 pipelined-16", "6 churn-16",
                "7 echo-full-64k", "8 json-64k"), candidates);
    }
}
