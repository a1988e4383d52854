package io.mpool.loadtest.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mpool.loadtest.DemoServer;
import io.mpool.server.MpoolServer;
import io.mpool.testing.Await;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;


/** The generator's command line and report: units in keys, weights, per-kind figures, latency logs, dead servers. */
class LoadReportTest {

    @Test
    void theReportCarriesUnitsWeightsAndPerKindFiguresAndHasItsLatencyLogsBesideIt(@TempDir Path dir) throws Exception {
        MpoolServer server = DemoServer.start();
        try {
            Path report = dir.resolve("run.json");
            int exit = new CommandLine(new LoadGenerator()).execute("--url", "http://127.0.0.1:" + server.port(),
                    "-c", "4", "-d", "1s", "--warmup", "500ms", "--mix", "hello:3,echo:1", "--body-size", "2000",
                    "--verify", "--admin", "http://127.0.0.1:" + server.adminPort(), "--report", report.toString());
            assertEquals(0, exit);
            JsonNode json = new ObjectMapper().readTree(report.toFile());
            for (String key : new String[] {"p50Micros", "p90Micros", "p99Micros", "p999Micros", "maxMicros",
                "elapsedSeconds", "warmupSeconds", "ratePerSecond", "requestsPerSecond"}) {
                assertTrue(json.has(key), key + " in " + json);
            }
            assertFalse(json.has("p50") || json.has("seconds") || json.has("rate") || json.has("latency"), json.toString());
            assertEquals("hello:3,echo:1", json.path("mix").asText());
            assertEquals(0.5, json.path("warmupSeconds").asDouble());
            JsonNode hello = json.path("byKind").path("hello");
            JsonNode echo = json.path("byKind").path("echo");
            assertEquals(3, hello.path("weight").asInt());
            assertEquals(1, echo.path("weight").asInt());
            long requests = json.path("requests").asLong();
            assertEquals(requests, hello.path("requests").asLong() + echo.path("requests").asLong(), json.toString());
            assertTrue(hello.path("requests").asLong() > echo.path("requests").asLong(), json.toString());
            assertTrue(echo.path("p99Micros").asLong() > 0, echo.toString());
            assertEquals(requests, json.path("admin").path("requests").asLong(),
                    "the warm-up's requests are not in the measured run's server counters");
            assertTrue(json.path("admin").path("invariantsHold").asBoolean(), json.path("admin").toString());

            Histogram all = new Histogram(3);
            long tagged = 0;
            HistogramLogReader log = new HistogramLogReader(dir.resolve("run.hlog").toFile());
            while (log.hasNext()) {
                Histogram interval = (Histogram) log.nextIntervalHistogram();
                if (interval.getTag() == null) {
                    all.add(interval);
                } else {
                    tagged += interval.getTotalCount();
                }
            }
            assertEquals(requests, all.getTotalCount(), "the .hlog holds every measured response");
            assertEquals(requests, tagged, "and again split by kind");
            String hgrm = Files.readString(dir.resolve("run.hgrm"));
            assertTrue(hgrm.contains("Value     Percentile TotalCount 1/(1-Percentile)"), hgrm);
            assertTrue(hgrm.matches("(?s).*Total count += +" + requests + "].*"), hgrm);
        } finally {
            server.stop(Duration.ofSeconds(5));
            assertEquals(0, server.arenaStats().outstandingBlocks(), "arena blocks outstanding after stop");
        }
    }

    @Test
    void aDeadPortStopsTheRunAtOnceWithOneMessage() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        LoadSettings settings = new LoadSettings(URI.create("http://127.0.0.1:" + port), 64, 1, Duration.ofSeconds(30),
                1, 0, "hello", 0, 0, false, true, Duration.ofSeconds(5), Duration.ZERO);
        ServerUnreachableException e = assertThrows(ServerUnreachableException.class,
                () -> LoadRun.run(settings, "dead", null, null));
        assertEquals("cannot connect to 127.0.0.1:" + port + " (Connection refused): is the server running?"
                + " Nothing was measured.", e.getMessage());

        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new LoadGenerator());
        commandLine.setErr(new PrintWriter(err));
        assertEquals(2, commandLine.execute("-d", "2x"));
        assertTrue(err.toString().startsWith("Invalid value for option '--duration': '2x' (expected: a duration,"),
                err.toString());
    }

    @Test
    void aServerThatGoesAwayMidRunEndsTheRunEarlyWithTheReason() throws Exception {
        MpoolServer server = DemoServer.start();
        LoadSettings settings = new LoadSettings(URI.create("http://127.0.0.1:" + server.port()), 4, 1,
                Duration.ofSeconds(60), 1, 0, "hello", 0, 0, false, true, Duration.ofSeconds(5), Duration.ZERO);
        CompletableFuture<LoadResult> run = CompletableFuture.supplyAsync(() -> {
            try {
                return LoadRun.run(settings, "goes away", null, null);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Await.until("the run to make 100 requests", Duration.ofSeconds(30), server::totals,
                totals -> totals.requests() >= 100);
        server.stop(Duration.ofSeconds(5));
        assertEquals(0, server.arenaStats().outstandingBlocks(), "arena blocks outstanding after stop");
        LoadResult result = run.get();
        assertNotNull(result.stoppedEarly(), result.table());
        assertTrue(result.stoppedEarly().startsWith("no response for " + LoadRun.UNREACHABLE_SECONDS
                + " s while connects to 127.0.0.1:" + server.port() + " failed"), result.stoppedEarly());
        assertTrue(result.elapsedSeconds() < 60, "stopped before its 60 s: " + result.table());
        assertTrue(result.requests() >= 100, result.table());
    }
}
