package io.mpool.loadtest.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Workload.parse("17"));
        assertEquals("--workloads=17 (expected: 1..16 or one of hello-64, hello-1000, echo-1k, echo-64k, pipelined-16,"
                + " churn-16, echo-full-64k, json-64k, static-1023-64, static-1k-64, static-64k-64, static-1m-64,"
                + " static-1023-1000, static-1k-1000, static-64k-1000, static-1m-1000)",
                e.getMessage());
    }

    @Test
    void everyWorkloadButStaticFilesHoldsMpAtOrBelowBothUndertowsChurnIncluded() {
        for (Workload workload : Workload.ALL) {
            if (workload.staticFile() != null) {
                continue; // their own targets: the test below
            }
            assertEquals(1.00, workload.targets().cpuVsUndertow(), workload.id());
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
                "7 echo-full-64k", "8 json-64k", "9 static-1023-64", "10 static-1k-64", "11 static-64k-64", "12 static-1m-64",
                "13 static-1023-1000", "14 static-1k-1000", "15 static-64k-1000", "16 static-1m-1000"), candidates);
    }

    @Test
    void nginxCpuTargetsAreOnHelloEcho1kAndChurnOnly() {
        List<String> withNginx = Workload.ALL.stream().filter(w -> !Double.isNaN(w.targets().cpuVsNginx()))
                .map(w -> w.id() + " " + w.targets().cpuVsNginx()).toList();
        assertEquals(List.of("hello-64 1.3", "hello-1000 1.3", "echo-1k 1.3", "churn-16 1.5"), withNginx);
    }

    @Test
    void theStaticFileWorkloadsFetchEachFileAt64And1000ConnectionsJudgedAgainstStockUndertowOnly() {
        List<Workload> files = Workload.ALL.stream().filter(w -> w.staticFile() != null).toList();
        assertEquals(2 * StaticFiles.SIZES.size(), files.size());
        for (Workload workload : files) {
            assertTrue(StaticFiles.SIZES.containsKey(workload.staticFile()), workload.id());
            assertEquals(StaticFiles.PREFIX + workload.staticFile(), workload.path());
            assertNull(workload.mix(), "our generator GETs the path");
            assertNull(workload.wrkScript(), "wrk GETs the path");
            assertTrue(workload.keepAlive());
            assertEquals(1.00, workload.targets().cpuVsReference(), workload.id());
            assertTrue(Double.isNaN(workload.targets().cpuVsUndertow()), workload.id());
        }
        assertEquals("/static/1m.bin", Workload.parse("static-1m-1000").path());
        assertEquals(1000, Workload.parse("static-1m-1000").connections());
        assertEquals(64, Workload.parse("static-1023-64").connections());
        assertNull(Workload.parse("hello-64").staticFile());
    }
}
