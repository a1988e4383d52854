package io.mpool.loadtest.jmh;

import io.mpool.mempool.DebugOptions;
import io.mpool.mempool.MpPool;
import io.mpool.mempool.PageArena;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.DefaultByteBufferPool;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One request's allocations ({@link RequestShape}) and their release, per allocator. An operation
 * is one whole request. Run: {@code java -jar loadtest/target/benchmarks.jar RequestCycle -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-da"})
@State(Scope.Thread)
public class RequestCycleBenchmark {
    private PageArena arena;
    private MpPool pool;
    private DefaultByteBufferPool undertowPool;
    private final List<ByteBuf> nettyHeld = new ArrayList<>();
    private final List<PooledByteBuffer> undertowHeld = new ArrayList<>();
    private long request;

    @Setup(Level.Trial)
    public void setUp() {
        arena = PageArena.builder().maxBytes(64L << 20).debug(DebugOptions.NONE).build();
        pool = MpPool.create(arena);
        undertowPool = new DefaultByteBufferPool(true, 16384, -1, 4);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.destroy();
        undertowPool.close();
    }

    @Benchmark
    public void mpPool(Blackhole blackhole) {
        for (int size : RequestShape.SMALL) {
            blackhole.consume(pool.allocate(size));
        }
        for (int size : RequestShape.MEDIUM) {
            blackhole.consume(pool.allocate(size));
        }
        if (++request % RequestShape.LARGE_EVERY == 0) {
            blackhole.consume(pool.allocate(RequestShape.LARGE));
        }
        pool.reset();
    }

    @Benchmark
    public void allocateDirect(Blackhole blackhole) {
        for (int size : RequestShape.SMALL) {
            blackhole.consume(ByteBuffer.allocateDirect(size));
        }
        for (int size : RequestShape.MEDIUM) {
            blackhole.consume(ByteBuffer.allocateDirect(size));
        }
        if (++request % RequestShape.LARGE_EVERY == 0) {
            blackhole.consume(ByteBuffer.allocateDirect(RequestShape.LARGE));
        }
    }

    @Benchmark
    public void allocateHeap(Blackhole blackhole) {
        for (int size : RequestShape.SMALL) {
            blackhole.consume(ByteBuffer.allocate(size));
        }
        for (int size : RequestShape.MEDIUM) {
            blackhole.consume(ByteBuffer.allocate(size));
        }
        if (++request % RequestShape.LARGE_EVERY == 0) {
            blackhole.consume(ByteBuffer.allocate(RequestShape.LARGE));
        }
    }

    @Benchmark
    public void nettyPooled(Blackhole blackhole) {
        PooledByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
        for (int size : RequestShape.SMALL) {
            nettyHeld.add(allocator.directBuffer(size));
        }
        for (int size : RequestShape.MEDIUM) {
            nettyHeld.add(allocator.directBuffer(size));
        }
        if (++request % RequestShape.LARGE_EVERY == 0) {
            nettyHeld.add(allocator.directBuffer(RequestShape.LARGE));
        }
        for (ByteBuf buffer : nettyHeld) {
            blackhole.consume(buffer.release());
        }
        nettyHeld.clear();
    }

    /** Undertow's pool hands out fixed 16 KB buffers only: one per allocation, four for 64 KB. */
    @Benchmark
    public void undertowDefaultPool(Blackhole blackhole) {
        for (int i = 0; i < RequestShape.SMALL.length + RequestShape.MEDIUM.length; i++) {
            undertowHeld.add(undertowPool.allocate());
        }
        if (++request % RequestShape.LARGE_EVERY == 0) {
            for (int i = 0; i < RequestShape.LARGE / 16384; i++) {
                undertowHeld.add(undertowPool.allocate());
            }
        }
        for (PooledByteBuffer buffer : undertowHeld) {
            blackhole.consume(buffer.getBuffer());
            buffer.close();
        }
        undertowHeld.clear();
    }
}
