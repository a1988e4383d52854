package io.mpool.loadtest.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchmarkReportTest {

    private static Measurement run(String server, int round, double cpu, double heap) {
        return new Measurement(server, "wrk", round, 100_000, 20_000, 500, 900, 0, 500, cpu, 1.0, 12.0, heap, 1, 100 << 20,
                "taskset -c 1 wrk -t1 -c64 -d5s --latency http://127.0.0.1:40000/hello", null);
    }

    /** Three rounds per server; the medians are 10 (mp), 8 (undertow), 12.5 (reference). */
    private static Map<Workload, List<Measurement>> results() {
        List<Measurement> runs = new ArrayList<>();
        double[][] cpu = {{10, 30, 9}, {8, 7, 9}, {12.5, 11, 20}};
        String[] servers = {"mp", "undertow", "reference"};
        for (int round = 1; round <= 3; round++) {
            for (int s = 0; s < servers.length; s++) {
                runs.add(run(servers[s], round, cpu[s][round - 1], s == 2 ? -1 : 2000 + 100 * s));
            }
        }
        Map<Workload, List<Measurement>> results = new LinkedHashMap<>();
        results.put(Workload.parse("hello-64"), runs);
        return results;
    }

    private static String render() {
        return BenchmarkReport.render(results(), new BenchmarkReport.Setup(3, 5, 3, 45, List.of("hello-64 mp: 30.0 (JIT 40%) → 10.0 (JIT 1%) µs/req, 2.0 s CPU"), List.of(1),
                new Pinning(true, "0", "1"),
                "1.00 / 1.00 / 1.00", "2.00 / 1.00 / 1.00", List.of("mp: `taskset -c 0 java -jar ...`"),
                "java ... Compare --rounds 3", List.of("--rounds", "3"), "docs/x.md", Map.of(), List.of(),
                List.of("## Idle memory\n\n| server | N |\n")));
    }

    @Test
    void theHeadlineTableHasCpuMediansAndRatiosOfMedians() {
        // per round mp/undertow: 10/8, 30/7, 9/9; mp/reference: 10/12.5, 30/11, 9/20
        assertTrue(render().contains("| GET /hello, 64 connections | 10.00 | 8.00 | 12.50 | 1.25 (per round 1.25, 1.00–4.29) | 0.80 (per round 0.80, 0.45–2.73) |\n"),
                render());
    }

    @Test
    void reqPerSecondP99AndHeapStandBesideIt() {
        assertTrue(render().contains("| GET /hello, 64 connections | mp | 10.00 | 20000 | 0.900ms | 2000 | 0 |\n"), render());
        assertTrue(render().contains("| GET /hello, 64 connections | reference | 12.50 | 20000 | 0.900ms | – | 0 |\n"), render());
    }

    @Test
    void targetsAreJudgedAgainstTheWorkloadsOwnLimits() {
        List<String> targets = BenchmarkReport.targets(Workload.parse("hello-64"), "wrk", results().values().iterator().next());
        assertEquals(List.of(
                "GET /hello, 64 connections, wrk: CPU µs/req mp 10.00 vs undertow 8.00 = 1.25× (target ≤ 1.00: MISSED)",
                "GET /hello, 64 connections, wrk: CPU µs/req mp 10.00 vs reference 12.50 = 0.80× (target ≤ 1.00: met)",
                "GET /hello, 64 connections, wrk: heap B/req mp 2000 vs undertow 2100 = 0.95× (target ≤ 1.00: met)"), targets);
    }

    @Test
    void aTargetIsJudgedOnTheFiguresAsPrinted() {
        List<Measurement> runs = List.of(run("mp", 1, 10.004, 1764.3), run("undertow", 1, 10.001, 1763.9),
                run("reference", 1, 10.02, -1));
        assertEquals(List.of(
                "GET /hello, 64 connections, wrk: CPU µs/req mp 10.00 vs undertow 10.00 = 1.00× (target ≤ 1.00: met)",
                "GET /hello, 64 connections, wrk: CPU µs/req mp 10.00 vs reference 10.02 = 1.00× (target ≤ 1.00: met)",
                "GET /hello, 64 connections, wrk: heap B/req mp 1764 vs undertow 1764 = 1.00× (target ≤ 1.00: met)"),
                BenchmarkReport.targets(Workload.parse("hello-64"), "wrk", runs));
        List<Measurement> over = List.of(run("mp", 1, 10.01, 1765), run("undertow", 1, 10.00, 1764));
        assertEquals(List.of(
                "GET /hello, 64 connections, wrk: CPU µs/req mp 10.01 vs undertow 10.00 = 1.00× (target ≤ 1.00: MISSED)",
                "GET /hello, 64 connections, wrk: heap B/req mp 1765 vs undertow 1764 = 1.00× (target ≤ 1.00: MISSED)"),
                BenchmarkReport.targets(Workload.parse("hello-64"), "wrk", over));
    }

    @Test
    void theReportSaysHowItWasMadeAndHowToRepeatIt() {
        String report = render();
        assertTrue(report.contains("- Pinning: servers under `taskset -c 0`, the load tool under `taskset -c 1`"), report);
        assertTrue(report.contains("fields 14-17 of `/proc/<pid>/stat`"), report);
        assertTrue(report.contains("the smallest run here used 500 ticks (±1 tick = 0.2%)"), report);
        assertTrue(report.contains("took 12% of the server CPU's time in the median run"), report);
        assertTrue(report.contains("in slices of 3 s until it has used 3.0 s of CPU on it and its JIT compiler threads"
                + " (HotSpot's C1/C2, from /proc/<pid>/task) used at most 5% of its CPU in the last slice (at most 45 s,"
                + " `--warmup-max`)"), report);
        assertTrue(report.contains(Compare.COMMAND_PREFIX + " --same-as docs/x.md --out docs/benchmarks-rerun.md"), report);
        assertEquals(List.of("--rounds", "3"), SameAs.recorded(report, Path.of("docs/x.md")));
    }

    @Test
    void theMedianSkipsRunsWithoutTheFigure() {
        List<Measurement> runs = List.of(run("mp", 1, -1, -1), run("mp", 2, 4, -1), run("mp", 3, 6, -1));
        assertEquals(5.0, BenchmarkReport.median(runs, Measurement::cpuMicrosPerRequest));
        assertEquals(-1.0, BenchmarkReport.median(runs, Measurement::heapBytesPerRequest));
    }

    @Test
    void includedSectionsAndWhatIsLeftFollowTheTargets() {
        String report = render();
        int targets = report.indexOf("## Targets");
        int included = report.indexOf("## Idle memory\n\n| server | N |");
        int left = report.indexOf(WhatIsLeft.HEADING);
        assertTrue(targets >= 0 && targets < included && included < left, report);
        assertTrue(report.substring(left).contains("Missed in this run (1 of 3 targets):\n\n- GET /hello, 64 connections,"
                + " wrk: CPU µs/req mp 10.00 vs undertow 8.00 = 1.25× (target ≤ 1.00: MISSED)\n"), report);
        assertTrue(report.substring(left).contains("<!-- Template for the notes"), report);
    }

    @Test
    void withNginxTheSummaryHasAnMpOverNginxColumnAndWhatIsLeftListsIt() {
        Map<Workload, List<Measurement>> results = results();
        List<Measurement> runs = new ArrayList<>(results.get(Workload.parse("hello-64")));
        for (int round = 1; round <= 3; round++) {
            runs.add(run("nginx", round, 5, -1));
        }
        results.put(Workload.parse("hello-64"), runs);
        String report = BenchmarkReport.render(results, new BenchmarkReport.Setup(3, 5, 0, WarmUp.DEFAULT_MAX_SECONDS, List.of(), List.of(2),
                new Pinning(true, "0,1", "1"), "1 / 1 / 1", "1 / 1 / 1", List.of(), "java ... Compare", List.of(),
                "docs/x.md", Map.of(), List.of(), List.of()));
        assertTrue(report.contains("| workload | mp | undertow | reference | nginx | mp / undertow | mp / reference"
                + " | mp / nginx |\n|---|---|---|---|---|---|---|---|\n"), report);
        assertTrue(report.contains(" | 2.00 (per round 2.00, 1.80–6.00) |\n"), report);
        assertTrue(report.contains("- GET /hello, 64 connections, wrk: CPU µs/req mp / nginx = 2.00×, stock Undertow"
                + " / nginx = 2.50×\n"), report);
        assertTrue(report.contains("- GET /hello, 64 connections, wrk: CPU µs/req mp 10.00 vs nginx 5.00 = 2.00× (target"
                + " ≤ 1.30: MISSED)\n"), report);
        assertTrue(report.contains("with 2 IO thread(s) (a JVM on 2 CPUs counts as server-class, so its ergonomics"
                + " pick G1"), report);
        assertTrue(report.contains("`nginx` = nginx with as many workers as IO threads"), report);
    }

    /** --io-threads 1,2: mp@2 against mp (1.10×, over 1.05) and against reference@2 (0.90×). */
    @Test
    void withTwoThreadCountsEachServerStandsBesideItselfAndMpIsJudgedAgainstBoth() {
        List<Measurement> runs = new ArrayList<>();
        for (int round = 1; round <= 3; round++) {
            runs.add(run("mp", round, 10, -1));
            runs.add(run("mp@2", round, 11, -1));
            runs.add(run("reference", round, 11, -1));
            runs.add(run("reference@2", round, 12.2222, -1));
        }
        Map<Workload, List<Measurement>> results = new LinkedHashMap<>();
        results.put(Workload.parse("hello-64"), runs);
        String report = BenchmarkReport.render(results, new BenchmarkReport.Setup(3, 5, 0, WarmUp.DEFAULT_MAX_SECONDS, List.of(), List.of(1, 2),
                new Pinning(true, "0,1", "1"), "1 / 1 / 1", "1 / 1 / 1", List.of(), "java ... Compare", List.of(),
                "docs/x.md", Map.of(), List.of(), List.of()));
        assertTrue(report.contains("with 1, 2 IO threads, every server once per count (`mp@2` is mp with 2;"), report);
        assertTrue(report.contains("## IO threads: 1 against 2\n"), report);
        assertTrue(report.contains("; a server with N IO threads on the first N of the server CPUs (its command below)\n"),
                report);
        assertTrue(report.contains("| GET /hello, 64 connections | wrk | mp | 2 | 11.00 | 1.10 (per round 1.10, 1.10–1.10) |\n"),
                report);
        assertTrue(report.contains("| GET /hello, 64 connections | wrk | reference | 1 | 11.00 |  |\n"), report);
        assertTrue(report.contains("- GET /hello, 64 connections, wrk: CPU µs/req mp@2 11.00 vs mp 10.00 = 1.10× (target"
                + " ≤ 1.05: MISSED)\n"), report);
        assertTrue(report.contains("- GET /hello, 64 connections, wrk: CPU µs/req mp@2 11.00 vs reference@2 12.22 = 0.90×"
                + " (target ≤ 1.00: met)\n"), report);
    }
}
