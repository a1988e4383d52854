package io.mpool.loadtest.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every JMH benchmark method once, in this JVM, untimed: they cannot rot unnoticed. The
 * figures come from {@code java -jar loadtest/target/benchmarks.jar}, never from here.
 */
class BenchmarkSmokeTest {

    @Test
    void everyBenchmarkMethodRunsOnce() throws Exception {
        // JMH's /tmp/jmh.lock keeps two timed runs apart; this untimed run must not fail because
        // another build on the machine holds it.
        System.setProperty("jmh.ignoreLock", "true");
        Options options = new OptionsBuilder()
                .include("io\\.mpool\\.loadtest\\.jmh\\..*")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .mode(Mode.SingleShotTime)
                .measurementBatchSize(1)
                .threads(1)
                .timeout(TimeValue.seconds(60))
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> results = new Runner(options).run();
        // RequestCycle: 5 allocators; Arena: 2 methods x 2 scrub settings; ConnectionCycle: 4;
        // ArenaContention: pages and 16 KB blocks at 1, 2, 4 and 8 threads (run at 1 here).
        assertEquals(21, results.size(), "benchmark runs: " + results.stream()
                .map(r -> r.getParams().getBenchmark() + r.getParams().getParamsKeys()).toList());
    }
}
