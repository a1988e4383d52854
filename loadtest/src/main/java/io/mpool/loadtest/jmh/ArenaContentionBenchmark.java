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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The shared arena under 1, 2, 4 and 8 threads at once, each thread standing for an IO thread:
 * it takes a 4 KB page (a pool node) or a 16 KB block (a connection's buffer) as an owner, as a
 * connection's pool does, and gives back the one it took {@link Held#HELD} operations before, so
 * every thread keeps a small working set and blocks one thread released reach the others (and are
 * zeroed on the way, scrub being on as in the server). An operation is one take and one release;
 * with no contention the time per operation stays flat as threads are added (on a machine with at
 * least as many cores). Run:
 * {@code java -jar loadtest/target/benchmarks.jar ArenaContention -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-da"})
@State(Scope.Benchmark)
public class ArenaContentionBenchmark {
    /** A connection's buffer, Undertow's default buffer size. */
    static final int BLOCK_SIZE = 16 * 1024;
    /** Enough for 8 threads' working sets many times over: the bound is never what is measured. */
    private static final long ARENA_BYTES = 64L << 20;

    private PageArena arena;

    /** One thread's blocks: a ring of the last {@link #HELD} it took, and itself as their owner. */
    @State(Scope.Thread)
    public static class Held {
        /** A few connections' worth per IO thread; a power of two for the ring's index. */
        static final int HELD = 16;

        final ArenaBlock[] blocks = new ArenaBlock[HELD];
        int next;
        private PageArena arena;

        @Setup(Level.Trial)
        public void setUp(ArenaContentionBenchmark benchmark) {
            arena = benchmark.arena;
        }

        /** Gives back the block taken {@link #HELD} operations ago, keeps {@code taken} in its place. */
        ArenaBlock replace(ArenaBlock taken) {
            int slot = next++ & (HELD - 1);
            ArenaBlock oldest = blocks[slot];
            if (oldest != null) {
                arena.release(oldest, this);
            }
            blocks[slot] = taken;
            return oldest;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (int i = 0; i < HELD; i++) {
                if (blocks[i] != null) {
                    arena.release(blocks[i], this);
                    blocks[i] = null;
                }
            }
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        arena = PageArena.builder().maxBytes(ARENA_BYTES).debug(DebugOptions.NONE).build();
    }

    @Benchmark
    @Threads(1)
    public ArenaBlock pages1Thread(Held held) {
        return held.replace(arena.takePage(held));
    }

    @Benchmark
    @Threads(2)
    public ArenaBlock pages2Threads(Held held) {
        return held.replace(arena.takePage(held));
    }

    @Benchmark
    @Threads(4)
    public ArenaBlock pages4Threads(Held held) {
        return held.replace(arena.takePage(held));
    }

    @Benchmark
    @Threads(8)
    public ArenaBlock pages8Threads(Held held) {
        return held.replace(arena.takePage(held));
    }

    @Benchmark
    @Threads(1)
    public ArenaBlock blocks16k1Thread(Held held) {
        return held.replace(arena.takeLarge(BLOCK_SIZE, held));
    }

    @Benchmark
    @Threads(2)
    public ArenaBlock blocks16k2Threads(Held held) {
        return held.replace(arena.takeLarge(BLOCK_SIZE, held));
    }

    @Benchmark
    @Threads(4)
    public ArenaBlock blocks16k4Threads(Held held) {
        return held.replace(arena.takeLarge(BLOCK_SIZE, held));
    }

    @Benchmark
    @Threads(8)
    public ArenaBlock blocks16k8Threads(Held held) {
        return held.replace(arena.takeLarge(BLOCK_SIZE, held));
    }
}
