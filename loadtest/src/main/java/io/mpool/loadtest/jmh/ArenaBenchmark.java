package io.mpool.loadtest.jmh;

import io.mpool.mempool.ArenaBlock;
import io.mpool.mempool.DebugOptions;
import io.mpool.mempool.PageArena;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Page take + release on the shared arena from 2 threads at once (the lock-free free list under
 * contention), with and without scrub. Run:
 * {@code java -jar loadtest/target/benchmarks.jar ArenaBenchmark -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-da"})
@Threads(2)
@State(Scope.Benchmark)
public class ArenaBenchmark {
    @Param({"true", "false"})
    public boolean scrub;

    private PageArena arena;

    @Setup(Level.Trial)
    public void setUp() {
        arena = PageArena.builder().maxBytes(64L << 20).scrub(scrub).debug(DebugOptions.NONE).build();
    }

    @Benchmark
    public ArenaBlock pageTakeRelease() {
        ArenaBlock page = arena.takePage();
        arena.release(page);
        return page;
    }

    @Benchmark
    public ArenaBlock largeTakeRelease() {
        ArenaBlock block = arena.takeLarge(16384);
        arena.release(block);
        return block;
    }
}
