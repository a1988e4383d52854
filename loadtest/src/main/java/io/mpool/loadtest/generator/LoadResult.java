package io.mpool.loadtest.generator;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a run measured. Latencies in microseconds.
 *
 * @param admin what the server's admin endpoint said before and after (null without --admin)
 */
public record LoadResult(String command, String target, String mix, int connections, int pipeline, double rate,
                  boolean keepAlive, double seconds, long requests, double requestsPerSecond, long connects,
                  Map<String, Long> errors, long p50, long p90, long p99, long p999, long max,
                  AdminProbe.Report admin) {

    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    public LoadResult withAdmin(AdminProbe.Report report) {
        return new LoadResult(command, target, mix, connections, pipeline, rate, keepAlive, seconds, requests,
                requestsPerSecond, connects, errors, p50, p90, p99, p999, max, report);
    }

    /** The end-of-run table. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-22s %s%n", "command", command));
        sb.append(String.format(Locale.ROOT, "%-22s %s %s, %d connections, pipeline %d%s%s%n", "workload", target, mix,
                connections, pipeline, rate > 0 ? String.format(Locale.ROOT, ", fixed rate %.0f/s", rate) : "",
                keepAlive ? "" : ", new connection per request"));
        sb.append(String.format(Locale.ROOT, "%-22s %d in %.1f s%n", "requests", requests, seconds));
        sb.append(String.format(Locale.ROOT, "%-22s %.0f%n", "requests/s", requestsPerSecond));
        sb.append(String.format(Locale.ROOT, "%-22s %s%n", "errors", errors.isEmpty() ? "none" : new TreeMap<>(errors)));
        sb.append(String.format(Locale.ROOT, "%-22s p50 %s  p90 %s  p99 %s  p99.9 %s  max %s%n", "latency",
                ms(p50), ms(p90), ms(p99), ms(p999), ms(max)));
        if (admin != null) {
            sb.append(admin.table());
        }
        return sb.toString();
    }

    public static String ms(long micros) {
        return String.format(Locale.ROOT, "%.3fms", micros / 1000.0);
    }
}
