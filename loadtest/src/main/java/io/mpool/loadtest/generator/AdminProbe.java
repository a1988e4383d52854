package io.mpool.loadtest.generator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;

/**
 * Reads the server's {@code /admin/pools} before, during and after a run, and checks the
 * invariants once the run's connections are closed: live pools and arena pages back to where
 * they were.
 */
public final class AdminProbe {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SETTLE = Duration.ofSeconds(10);

    private final URI pools;
    private final URI topConnection;
    private final String token;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private JsonNode before;
    private volatile long peakConnectionBytes;

    public AdminProbe(URI admin, String token) {
        this.pools = admin.resolve("/admin/pools");
        this.topConnection = URI.create(pools + "?sort=bytes&limit=1");
        this.token = token;
    }

    /** Before and after, and the verdict. */
    public record Report(long requests, long resets, long resetsCoalesced, long resetsDeferred, double resetsPerRequest,
                  long peakConnectionBytesReserved, long poolsLiveBefore, long poolsLiveAfter, long pagesInUseBefore,
                  long pagesInUseAfter, long heapBytesAllocated, double heapBytesPerRequest, long gcCount,
                  long rssBytes, long arenaReservedBytes, boolean invariantsHold, String verdict) {

        String table() {
            return String.format(Locale.ROOT, "%-22s %d requests, resets %d (+%d coalesced, %d deferred): %.3f per request%n",
                    "server (admin)", requests, resets, resetsCoalesced, resetsDeferred, resetsPerRequest)
                    + String.format(Locale.ROOT, "%-22s peak connection pool %d bytes (sampled), arena reserved %d bytes, RSS %d MB%n",
                    "", peakConnectionBytesReserved, arenaReservedBytes, rssBytes >> 20)
                    + String.format(Locale.ROOT, "%-22s heap %.0f bytes/request, %d GCs%n", "", heapBytesPerRequest, gcCount)
                    + String.format(Locale.ROOT, "%-22s %s%n", "invariants", verdict);
        }
    }

    public void before() throws IOException, InterruptedException {
        before = read();
    }

    /**
     * After an unmeasured warm-up: waits (bounded) until the warm-up's connections are gone, then
     * takes the baseline again, so the counters compared after the run are the measured run's.
     */
    void afterWarmup() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        JsonNode now = read();
        while (!settled(now) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            now = read();
        }
        before = now;
    }

    /**
     * Called about once a second during the run: the connection holding the most bytes, one row
     * ({@code ?sort=bytes&limit=1}), however many connections the run has open.
     */
    void sample() {
        try {
            for (JsonNode row : read().path("connections")) {
                JsonNode connection = row.has("connection") ? row.path("connection") : row; // older servers list all
                peakConnectionBytes = Math.max(peakConnectionBytes, connection.path("bytesReserved").asLong());
            }
        } catch (IOException | RuntimeException e) {
            // a missed sample only lowers the sampled peak
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** After the run's connections closed: waits (bounded) for the server to settle, then judges. */
    public Report after() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        JsonNode after = read();
        while (!settled(after) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            after = read();
        }
        JsonNode t0 = before.path("totals");
        JsonNode t1 = after.path("totals");
        long requests = t1.path("requests").asLong() - t0.path("requests").asLong();
        long resets = t1.path("resets").asLong() - t0.path("resets").asLong();
        long coalesced = t1.path("resetsCoalesced").asLong() - t0.path("resetsCoalesced").asLong();
        long deferred = t1.path("resetsDeferred").asLong() - t0.path("resetsDeferred").asLong();
        long heap = after.path("jvm").path("heapBytesAllocated").asLong() - before.path("jvm").path("heapBytesAllocated").asLong();
        long gcs = after.path("jvm").path("gcCount").asLong() - before.path("jvm").path("gcCount").asLong();
        boolean holds = settled(after);
        String verdict = holds ? "hold: live pools and arena pages back to their baseline"
                : "BROKEN: poolsLive " + before.path("totals").path("poolsLive").asLong() + " -> "
                + t1.path("poolsLive").asLong() + ", pagesInUse " + before.path("arena").path("pagesInUse").asLong()
                + " -> " + after.path("arena").path("pagesInUse").asLong() + " after " + SETTLE.toSeconds() + " s";
        return new Report(requests, resets, coalesced, deferred, requests == 0 ? 0 : (double) resets / requests,
                peakConnectionBytes, t0.path("poolsLive").asLong(), t1.path("poolsLive").asLong(),
                before.path("arena").path("pagesInUse").asLong(), after.path("arena").path("pagesInUse").asLong(),
                heap, requests == 0 ? 0 : (double) heap / requests, gcs, after.path("jvm").path("rssBytes").asLong(),
                after.path("arena").path("reservedBytes").asLong(), holds, verdict);
    }

    private boolean settled(JsonNode after) {
        return after.path("totals").path("poolsLive").asLong() == before.path("totals").path("poolsLive").asLong()
                && after.path("arena").path("pagesInUse").asLong() == before.path("arena").path("pagesInUse").asLong();
    }

    /**
     * {@code /admin/pools} with one connection, the one holding the most bytes: the arena, totals
     * and JVM figures are the same as in the full list, which with 10,000 connections is megabytes.
     */
    private JsonNode read() throws IOException, InterruptedException {
        // no-cache: a page built after this read was asked for (the server may reuse a page for
        // up to its --admin-page-window otherwise), so the counts after the run are the run's.
        HttpRequest.Builder request = HttpRequest.newBuilder(topConnection).header("Cache-Control", "no-cache")
                .timeout(Duration.ofSeconds(10));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("admin endpoint " + pools + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }
}
