package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.connection.ConnectionBufferPool;
import io.mpool.server.connection.ConnectionSummary;
import io.undertow.server.HttpHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clients that pipeline without pause: a request is always waiting behind the one being answered,
 * so Undertow always holds the next request's bytes (and, between requests, a batch of responses).
 * Every request end must still reset the connection's request memory at once, and a connection's
 * memory stays bounded however long it pipelines. Sampled while the load runs, for every live
 * connection.
 */
class SteadyPipeliningTest {
    private static final int CONNECTIONS = 6;
    private static final int DEPTH = 4;
    private static final int REQUESTS_PER_CONNECTION = 1_500;
    /** A connection's memory while it pipelines: its node, its buffers and one request's scratch. */
    private static final long MAX_CONNECTION_BYTES = 64 << 10;
    /** Requests that may have started but not yet ended on one connection when a sample is taken. */
    private static final long MAX_REQUESTS_NOT_RESET = 2;
    private static final int REGION_BYTES_PER_REQUEST = 4096;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config, SteadyPipeliningTest::withRegionRoute);

    @RegisterExtension
    final ServerFixture smallBuffers = new ServerFixture(config -> config.withMemory(4096,
            config.arenaMaxBytes(), config.connectionMaxBytes()), SteadyPipeliningTest::withRegionRoute);

    /** {@code /region}: a handler that takes 4 KB of the request's region every request. */
    private static HttpHandler withRegionRoute(HttpHandler routes) {
        return exchange -> {
            if (exchange.getRequestPath().equals("/region")) {
                RequestRegion.allocate(exchange, REGION_BYTES_PER_REQUEST).put(new byte[REGION_BYTES_PER_REQUEST]);
                exchange.getResponseSender().send("region\n");
                return;
            }
            routes.handleRequest(exchange);
        };
    }

    @Test
    void everyRequestEndResetsAndMemoryStaysBoundedUnderSteadyPipelining() throws Exception {
        pipelineAndSample(fixture);
    }

    @Test
    void theSameWithFourKilobyteBuffers() throws Exception {
        pipelineAndSample(smallBuffers);
    }

    private static void pipelineAndSample(ServerFixture server) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(CONNECTIONS);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CONNECTIONS; c++) {
                int kind = c;
                running.add(clients.submit(() -> {
                    pipeline(server, kind);
                    return null;
                }));
            }
            int samples = 0;
            long worstLag = 0;
            long worstBytes = 0;
            while (!running.stream().allMatch(Future::isDone)) {
                for (ConnectionBufferPool connection : server.server().registry().pools()) {
                    ConnectionSummary summary = connection.summary();
                    long lag = summary.requests() - summary.resets() - summary.resetsCoalesced();
                    worstLag = Math.max(worstLag, lag);
                    worstBytes = Math.max(worstBytes, summary.bytesReserved());
                    assertTrue(lag <= MAX_REQUESTS_NOT_RESET, "requests not reset: " + lag + " in " + summary);
                    assertTrue(summary.bytesReserved() <= MAX_CONNECTION_BYTES, "connection memory: " + summary);
                }
                samples++;
                Thread.sleep(5);
            }
            for (Future<?> client : running) {
                client.get(); // every answer arrived, in order
            }
            assertTrue(samples > 10, "the load ran too briefly to be sampled: " + samples + " samples");
            assertEquals(0, server.server().stats().connectionCapExceeded(), "no well-behaved client is closed");
            System.out.println("steady pipelining: " + samples + " samples, worst lag " + worstLag
                    + " requests, worst connection bytes " + worstBytes);
        } finally {
            clients.shutdownNow();
        }
    }

    /**
     * One connection: {@link #DEPTH} requests in flight at all times. Connections differ in what
     * they send: JSON bodies read whole into the request's region, a handler's region memory,
     * plain GETs and a mix.
     */
    private static void pipeline(ServerFixture server, int kind) throws Exception {
        try (RawHttp http = server.connect()) {
            int sent = 0;
            for (; sent < DEPTH; sent++) {
                http.send(request(kind, sent));
            }
            for (int answered = 0; answered < REQUESTS_PER_CONNECTION; answered++) {
                String body = http.read().text();
                assertEquals(expected(kind, answered), body, "connection kind " + kind + ", response " + answered);
                if (sent < REQUESTS_PER_CONNECTION) {
                    http.send(request(kind, sent++));
                }
            }
        }
    }

    private static byte[] request(int kind, int index) {
        return switch (kindOf(kind, index)) {
            case 0 -> RawHttp.post("/json", "application/json", json(index));
            case 1 -> RawHttp.get("/region");
            case 2 -> RawHttp.get("/hello");
            default -> RawHttp.get("/bytes/" + (100 + index % 900));
        };
    }

    private static String expected(int kind, int index) {
        return switch (kindOf(kind, index)) {
            case 0 -> "{\"bytes\":" + json(index).length + ",\"fields\":" + (index % 50 + 1) + ",\"depth\":1}\n";
            case 1 -> "region\n";
            case 2 -> "hello\n";
            default -> bytes(100 + index % 900);
        };
    }

    /** Connections 0, 1, 2 send one kind each; the others alternate between all four. */
    private static int kindOf(int kind, int index) {
        return kind < 3 ? kind : index % 4;
    }

    /** A JSON object of 1 to 50 fields (about 20 B to 1 KB): heads and bodies straddle reads. */
    private static byte[] json(int index) {
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i <= index % 50; i++) {
            json.append(i == 0 ? "" : ",").append("\"field").append(i).append("\":").append(i);
        }
        return json.append('}').toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static String bytes(int count) {
        StringBuilder expected = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            expected.append((char) ('a' + i % 26));
        }
        return expected.toString();
    }
}
