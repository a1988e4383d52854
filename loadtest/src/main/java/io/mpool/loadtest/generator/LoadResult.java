package io.mpool.loadtest.generator;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What a run measured; every key that has a unit names it ({@code p99Micros}, {@code elapsedSeconds}).
 *
 * @param mix            the mix as {@code --mix} takes it, weights included ({@code hello:3,echo:1})
 * @param ratePerSecond  the fixed request rate asked for; 0 = as fast as possible
 * @param warmupSeconds  unmeasured load before the measured run
 * @param elapsedSeconds the measured run, from the first request to the last answer
 * @param byKind         the same figures per request kind, in the mix's order
 * @param stoppedEarly   why the run stopped before its duration (the server stopped answering), or null
 * @param admin          what the server's admin endpoint said before and after (null without --admin)
 * @param latency        every response's latency in µs (not in the JSON: see the .hlog and .hgrm files)
 */
public record LoadResult(String command, String target, String mix, int connections, int pipeline, double ratePerSecond,
                         boolean keepAlive, double warmupSeconds, double elapsedSeconds, long requests,
                         double requestsPerSecond, long connects, Map<String, Long> errors, long p50Micros,
                         long p90Micros, long p99Micros, long p999Micros, long maxMicros,
                         Map<String, KindResult> byKind, String stoppedEarly, AdminProbe.Report admin,
                         @JsonIgnore Histogram latency) {

    /**
     * Below this share of {@code --rate}, the run did not measure what was asked: the generator (or the
     * server) could not keep the pace, and the table says so. Slightly under 1 because a run's first
     * and last second, and the rounding of the pace per connection, cost a few percent.
     */
    static final double RATE_REACHED_FRACTION = 0.9;

    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    public LoadResult withAdmin(AdminProbe.Report report) {
        return new LoadResult(command, target, mix, connections, pipeline, ratePerSecond, keepAlive, warmupSeconds,
                elapsedSeconds, requests, requestsPerSecond, connects, errors, p50Micros, p90Micros, p99Micros,
                p999Micros, maxMicros, byKind, stoppedEarly, report, latency);
    }

    /** The end-of-run table. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-22s %s%n", "command", command));
        sb.append(String.format(Locale.ROOT, "%-22s %s %s, %d connections, pipeline %d%s%s%n", "workload", target, mix,
                connections, pipeline, ratePerSecond > 0 ? String.format(Locale.ROOT, ", fixed rate %.0f/s", ratePerSecond) : "",
                keepAlive ? "" : ", new connection per request"));
        if (stoppedEarly != null) {
            sb.append(String.format(Locale.ROOT, "%-22s %s%n", "STOPPED EARLY", stoppedEarly));
        }
        sb.append(String.format(Locale.ROOT, "%-22s %d in %.1f s%s%n", "requests", requests, elapsedSeconds,
                warmupSeconds > 0 ? String.format(Locale.ROOT, " (after %.1f s of warm-up)", warmupSeconds) : ""));
        sb.append(String.format(Locale.ROOT, "%-22s %.0f%n", "requests/s", requestsPerSecond));
        String rateWarning = rateWarning();
        if (rateWarning != null) {
            sb.append(String.format(Locale.ROOT, "%-22s %s%n", "WARNING", rateWarning));
        }
        sb.append(String.format(Locale.ROOT, "%-22s %s%n", "errors", errors.isEmpty() ? "none" : new TreeMap<>(errors)));
        sb.append(String.format(Locale.ROOT, "%-22s p50 %s  p90 %s  p99 %s  p99.9 %s  max %s%n", "latency",
                ms(p50Micros), ms(p90Micros), ms(p99Micros), ms(p999Micros), ms(maxMicros)));
        if (byKind.size() > 1) {
            byKind.forEach((kind, k) -> sb.append(String.format(Locale.ROOT,
                    "%-22s weight %d: %d requests (%.0f/s), %d errors, p50 %s  p99 %s  max %s%n", "  " + kind, k.weight(),
                    k.requests(), k.requestsPerSecond(), k.errors(), ms(k.p50Micros()), ms(k.p99Micros()), ms(k.maxMicros()))));
        }
        if (admin != null) {
            sb.append(admin.table());
        }
        return sb.toString();
    }

    /** Why the achieved rate does not stand for {@code --rate}, or null when it reached ~90% of it (or none was asked). */
    public String rateWarning() {
        if (ratePerSecond <= 0 || requestsPerSecond >= RATE_REACHED_FRACTION * ratePerSecond) {
            return null;
        }
        return String.format(Locale.ROOT, "%.0f requests/s answered, %.0f%% of --rate %.0f: the generator or the server"
                        + " could not keep that pace (more --connections or --threads, or a lower --rate); the latency"
                        + " figures count the requests it could not send as waiting", requestsPerSecond,
                100 * requestsPerSecond / ratePerSecond, ratePerSecond);
    }

    public static String ms(long micros) {
        return String.format(Locale.ROOT, "%.3fms", micros / 1000.0);
    }
}
