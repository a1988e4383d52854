package io.mpool.loadtest.jmh;

import io.mpool.mempool.DebugOptions;
import io.mpool.mempool.PageArena;
import io.mpool.server.connection.ConnectionBufferPool;
import io.mpool.server.connection.ConnectionRegistry;
import io.mpool.server.stats.ServerStats;
import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.DefaultByteBufferPool;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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

/**
 * What one connection's memory costs the server per request, on the mp path (a
 * {@link ConnectionBufferPool} over its own region) and on the stock path (Undertow's
 * {@link DefaultByteBufferPool}), replaying the buffer traffic Undertow makes for a small
 * keep-alive request in its order: the head read into a buffer taken before the request starts,
 * the request's start, a response buffer, the request's end, the head buffer closed (Undertow
 * closes it once its root handler has returned), and the read that finds nothing after it.
 * {@code connection*} adds the connection's setup and teardown around one request (connection
 * churn). Run:
 * {@code java -jar loadtest/target/benchmarks.jar ConnectionCycle -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-da"})
@State(Scope.Thread)
public class ConnectionCycleBenchmark {
    private static final int BUFFER_SIZE = 16 * 1024;
    private static final byte[] HEAD = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"
            .getBytes(StandardCharsets.US_ASCII);

    private PageArena arena;
    private ConnectionRegistry registry;
    private ConnectionBufferPool connection;
    private DefaultByteBufferPool stock;

    @Setup(Level.Trial)
    public void setUp() {
        arena = PageArena.builder().maxBytes(256L << 20).debug(DebugOptions.NONE).build();
        registry = new ConnectionRegistry(arena, BUFFER_SIZE, 8L << 20,
                new DefaultByteBufferPool(false, BUFFER_SIZE, -1, 4), new ServerStats());
        connection = registry.openPool("bench", () -> { });
        stock = new DefaultByteBufferPool(true, BUFFER_SIZE, -1, 4);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        connection.connectionClosed();
        stock.close();
    }

    @Benchmark
    public int keepAliveRequestMp() {
        return request(connection, connection) + emptyRead(connection);
    }

    @Benchmark
    public int keepAliveRequestStock() {
        return request(stock, null) + emptyRead(stock);
    }

    @Benchmark
    public int connectionMp() {
        ConnectionBufferPool fresh = registry.openPool("bench", () -> { });
        int n = request(fresh, fresh);
        fresh.connectionClosed();
        return n;
    }

    @Benchmark
    public int connectionStock() {
        return request(stock, null);
    }

    /**
     * The head read into one buffer, the request started ({@code connection}'s, null for the stock
     * pool), the answer written from another buffer, the request ended, the head buffer closed.
     */
    private static int request(ByteBufferPool pool, ConnectionBufferPool connection) {
        PooledByteBuffer read = pool.allocate();
        ByteBuffer in = read.getBuffer();
        in.put(HEAD).flip();
        int n = in.remaining();
        if (connection != null) {
            connection.requestStarted();
        }
        PooledByteBuffer write = pool.allocate();
        write.getBuffer().put(RESPONSE).flip();
        n += write.getBuffer().remaining();
        write.close();
        if (connection != null) {
            connection.requestEnded();
        }
        read.close();
        return n;
    }

    /** Undertow reads again after a request; nothing has come yet. */
    private static int emptyRead(ByteBufferPool pool) {
        PooledByteBuffer read = pool.allocate();
        int n = read.getBuffer().remaining();
        read.close();
        return n;
    }
}
