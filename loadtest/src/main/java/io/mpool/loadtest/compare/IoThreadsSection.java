package io.mpool.loadtest.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * With several {@code --io-threads} counts in one comparison ({@code --io-threads 1,2}), every
 * server runs once per count in the same rounds: {@code mp} with the first count, {@code mp@2}
 * with two, and so on. This section sets each server's CPU per request at every further count
 * beside its own at the first, round by round, and judges mp's: with more IO threads its CPU per
 * request may grow by at most {@link #MP_VS_ITSELF} (what contention on shared state costs), and
 * stays at or below stock Undertow's with as many threads.
 */
final class IoThreadsSection {
    /** mp at N IO threads: at most 5% more CPU per request than at the first count. */
    static final double MP_VS_ITSELF = 1.05;
    /** mp at N IO threads: at or below stock Undertow's CPU per request at N. */
    static final double MP_VS_REFERENCE = 1.00;

    private IoThreadsSection() {
    }

    /** The name a server of kind {@code server} runs under with {@code threads} IO threads. */
    static String name(String server, int threads, List<Integer> counts) {
        return threads == counts.get(0) ? server : server + "@" + threads;
    }

    /** "1 IO thread(s)" or "1 and 2 IO threads (`mp@2`: ...)", for the report's header. */
    static String describe(List<Integer> counts) {
        if (counts.size() == 1) {
            return counts.get(0) + " IO thread(s)";
        }
        String list = counts.stream().map(String::valueOf).collect(Collectors.joining(", "));
        return list + " IO threads, every server once per count (`mp@" + counts.get(1) + "` is mp with " + counts.get(1)
                + "; pinned to as many of the server CPUs)";
    }

    static String render(Map<Workload, List<Measurement>> results, List<Integer> counts) {
        if (counts.size() < 2) {
            return "";
        }
        StringBuilder md = new StringBuilder("## IO threads: ").append(counts.get(0)).append(" against ")
                .append(counts.subList(1, counts.size()).stream().map(String::valueOf).collect(Collectors.joining(", ")))
                .append("\n\n");
        md.append("CPU µs per request, medians; the ratio is of the medians, in parentheses the per-round ratios' median,"
                + " lowest and highest.\n\n");
        md.append("| workload | tool | server | threads | CPU µs/req | against ").append(counts.get(0))
                .append(" thread(s) |\n|---|---|---|---|---|---|\n");
        for (Map.Entry<Workload, List<Measurement>> entry : results.entrySet()) {
            for (String tool : BenchmarkReport.tools(Map.of(entry.getKey(), entry.getValue()))) {
                List<Measurement> runs = BenchmarkReport.byTool(entry.getValue(), tool);
                for (String server : BenchmarkReport.SERVER_ORDER) {
                    String base = name(server, counts.get(0), counts);
                    if (BenchmarkReport.only(runs, base).isEmpty()) {
                        continue;
                    }
                    for (int threads : counts) {
                        String mine = name(server, threads, counts);
                        double cpu = BenchmarkReport.median(BenchmarkReport.only(runs, mine),
                                Measurement::cpuMicrosPerRequest);
                        md.append("| ").append(entry.getKey().name()).append(" | ").append(tool).append(" | ")
                                .append(server).append(" | ").append(threads).append(" | ")
                                .append(cpu < 0 ? "–" : String.format(Locale.ROOT, "%.2f", cpu)).append(" | ")
                                .append(threads == counts.get(0) ? "" : BenchmarkReport.ratio(runs, mine, base,
                                        Measurement::cpuMicrosPerRequest) + BenchmarkReport.roundRange(runs, mine, base))
                                .append(" |\n");
                    }
                }
            }
        }
        return md.append('\n').toString();
    }

    /** mp at every further count against itself at the first and against stock Undertow at the same count. */
    static List<String> targets(Workload workload, String tool, List<Measurement> runs, List<Integer> counts) {
        List<String> lines = new ArrayList<>();
        String where = workload.name() + ", " + tool;
        for (int threads : counts.subList(1, counts.size())) {
            String mp = name("mp", threads, counts);
            BenchmarkReport.atMost(lines, where, "CPU µs/req", mp, "mp", runs, Measurement::cpuMicrosPerRequest,
                    MP_VS_ITSELF, "%.2f");
            BenchmarkReport.atMost(lines, where, "CPU µs/req", mp, name("reference", threads, counts), runs,
                    Measurement::cpuMicrosPerRequest, MP_VS_REFERENCE, "%.2f");
        }
        return lines;
    }
}
