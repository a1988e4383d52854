package io.mpool.loadtest.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --warmup-max} of Compare and H2Compare: parsed, refused when it cannot be a cap, recorded, reported. */
class WarmUpTest {
    @TempDir
    Path dir;

    private static Compare compare(String... args) {
        Compare compare = new Compare();
        new CommandLine(compare).parseArgs(args);
        return compare;
    }

    private static H2Compare h2Compare(String... args) {
        H2Compare h2Compare = new H2Compare();
        new CommandLine(h2Compare).parseArgs(args);
        return h2Compare;
    }

    @Test
    void theCapIsNinetySecondsUnlessGiven() {
        assertEquals(90, compare().warmUp.maxSeconds);
        assertEquals(30, compare("--warmup-max", "30").warmUp.maxSeconds);
        assertEquals(90, h2Compare().warmUp.maxSeconds);
        assertEquals(45, h2Compare("--warmup-max=45").warmUp.maxSeconds);
    }

    @Test
    void aCapOfZeroOrLessIsRefusedBeforeAnythingStarts() {
        for (String cap : List.of("0", "-5")) {
            Compare compare = compare("--warmup-max", cap, "--root", "/nonexistent");
            assertEquals("--warmup-max=" + cap + " (expected: whole seconds, at least 1)",
                    assertThrows(IllegalArgumentException.class, compare::call).getMessage());
            H2Compare h2Compare = h2Compare("--warmup-max", cap, "--root", "/nonexistent");
            assertEquals("--warmup-max=" + cap + " (expected: whole seconds, at least 1)",
                    assertThrows(IllegalArgumentException.class, h2Compare::call).getMessage());
        }
        Compare noWarmUp = compare("--warmup", "0", "--warmup-max", "0", "--root", "/nonexistent");
        assertEquals("--warmup-max=0 (expected: whole seconds, at least 1)",
                assertThrows(IllegalArgumentException.class, noWarmUp::call).getMessage());
    }

    /** Compare's --warmup is seconds of server CPU, H2Compare's seconds per slice: a cap below either ends every warm-up early. */
    @Test
    void aCapBelowTheWarmUpIsRefused() {
        Compare compare = compare("--warmup", "10", "--warmup-max", "5", "--root", "/nonexistent");
        assertEquals("--warmup-max=5 (expected: at least --warmup=10, or the cap ends every warm-up before its --warmup"
                + " seconds)", assertThrows(IllegalArgumentException.class, compare::call).getMessage());
        Compare fraction = compare("--warmup", "2.5", "--warmup-max", "2", "--root", "/nonexistent");
        assertEquals("--warmup-max=2 (expected: at least --warmup=2.5, or the cap ends every warm-up before its --warmup"
                + " seconds)", assertThrows(IllegalArgumentException.class, fraction::call).getMessage());
        H2Compare h2Compare = h2Compare("--warmup", "5", "--warmup-max", "4", "--root", "/nonexistent");
        assertEquals("--warmup-max=4 (expected: at least --warmup=5, or the cap ends every warm-up before its --warmup"
                + " seconds)", assertThrows(IllegalArgumentException.class, h2Compare::call).getMessage());
        // Equal is a cap; without a warm-up any positive cap is.
        Compare equal = compare("--warmup", "5", "--warmup-max", "5");
        equal.warmUp.check(equal.warmup);
        Compare none = compare("--warmup", "0", "--warmup-max", "1");
        none.warmUp.check(none.warmup);
    }

    /** The report records the cap used, given or not, so a rerun with --same-as has the same cap. */
    @Test
    void theCapUsedIsRecordedAndSameAsRepeatsIt() throws Exception {
        Compare defaults = new Compare();
        CommandLine.ParseResult parsed = new CommandLine(defaults).parseArgs("--rounds", "1");
        assertEquals(List.of("--rounds", "1", "--warmup-max=90"), defaults.warmUp.recorded(parsed));
        Compare given = new Compare();
        parsed = new CommandLine(given).parseArgs("--warmup-max", "30", "--rounds", "1");
        assertEquals(List.of("--warmup-max", "30", "--rounds", "1"), given.warmUp.recorded(parsed));

        Path report = Files.writeString(dir.resolve("baseline.md"), "# Benchmarks\n\n"
                + SameAs.comment(List.of("--rounds", "1", "--warmup-max=30")) + "\n");
        CommandLine.Model.CommandSpec spec = new CommandLine(new Compare()).getCommandSpec();
        assertEquals(30, compare(SameAs.expand(new String[] {"--same-as", report.toString()}, spec)).warmUp.maxSeconds);
        assertEquals(60, compare(SameAs.expand(new String[] {"--same-as", report.toString(), "--warmup-max", "60"}, spec))
                .warmUp.maxSeconds, "a cap given now replaces the recorded one");
    }

    @Test
    void theH2ReportNamesTheCapUsed() {
        String report = H2Compare.report(List.of(), List.of("mp"), List.of(), "java ... H2Compare --warmup-max=45",
                new Pinning(true, "0", "1"), 3, 45);
        assertTrue(report.contains("Before round 1, each server warms up on each workload in unmeasured runs of 3 s until"
                + " its JIT compiler threads used at most 5% of its CPU in the last one (at most 45 s, `--warmup-max`)."),
                report);
        String none = H2Compare.report(List.of(), List.of("mp"), List.of(), "java ... H2Compare --warmup 0",
                new Pinning(true, "0", "1"), 0, 90);
        assertTrue(none.contains(" No warm-up (`--warmup 0`)."), none);
    }

    /** Slices run until the CPU target is used and the JIT is quiet; a slice with no CPU figure ends it. */
    @Test
    void slicesRunUntilTheCpuIsUsedAndTheJitQuiet() throws Exception {
        Deque<WarmUp.Slice> slices = new ArrayDeque<>(List.of(new WarmUp.Slice(99, 40, 100), new WarmUp.Slice(30, 2, 100),
                new WarmUp.Slice(21, 3, 100), new WarmUp.Slice(20, 1, 100)));
        WarmUp.Result result = new WarmUp().run(300, slices::removeFirst);
        assertEquals(List.of("99.0 (JIT 40%)", "30.0 (JIT 2%)", "21.0 (JIT 3%)"), result.slices(),
                "quiet after two slices, but 300 ticks used only after the third");
        assertEquals(300, result.cpuTicks());
        assertEquals("99.0 (JIT 40%) → 30.0 (JIT 2%) → 21.0 (JIT 3%) µs/req", result.figures());

        WarmUp.Result unknown = new WarmUp().run(300, () -> new WarmUp.Slice(50, -1, -1));
        assertEquals(List.of("50.0 (JIT -1%)"), unknown.slices(), "no CPU figures: nothing to wait for");
    }
}
