package io.mpool.loadtest.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Writes each workload's pictures beside the Markdown report ({@code benchmarks.md} ->
 * {@code benchmarks-echo-64k-latency.svg}, {@code benchmarks-echo-64k-cpu.svg}) and returns the
 * Markdown that embeds them.
 */
final class ReportCharts {
    /** Points per halving of the distance to 100% in the percentile plot (HdrHistogram's own default is 5). */
    private static final int TICKS_PER_HALF_DISTANCE = 5;
    private static final Map<String, String> COLORS = Map.of("mp", "#2f6fdb", "undertow", "#e67e22",
            "reference", "#27ae60", "nginx", "#8e44ad");
    private static final String OTHER_COLOR = "#7f8c8d";

    private ReportCharts() {
    }

    /** The charts' Markdown by workload id; files written next to {@code report}. */
    static Map<String, String> write(Map<Workload, List<Measurement>> results, Path report) throws IOException {
        String name = report.getFileName().toString();
        String base = name.endsWith(".md") ? name.substring(0, name.length() - ".md".length()) : name;
        Map<String, String> markdown = new LinkedHashMap<>();
        for (Map.Entry<Workload, List<Measurement>> entry : results.entrySet()) {
            Workload workload = entry.getKey();
            StringBuilder md = new StringBuilder();
            List<SvgChart.Series> series = latency(entry.getValue());
            if (!series.isEmpty()) {
                String file = base + "-" + workload.id() + "-latency.svg";
                Files.writeString(report.resolveSibling(file), SvgChart.percentiles(workload.name()
                        + ": latency by percentile (mpool-loadtest, all rounds)", series), StandardCharsets.UTF_8);
                md.append("![").append(workload.id()).append(" latency by percentile](").append(file).append(")\n");
            }
            String file = base + "-" + workload.id() + "-cpu.svg";
            Files.writeString(report.resolveSibling(file), SvgChart.bars(workload.name() + " (medians)",
                    bars(entry.getValue())), StandardCharsets.UTF_8);
            md.append("![").append(workload.id()).append(" CPU per request and requests per second](").append(file)
                    .append(")\n");
            markdown.put(workload.id(), md.toString());
        }
        return markdown;
    }

    /** Per server, every round's latency from our generator merged, as (1/(1-p), ms) points. */
    static List<SvgChart.Series> latency(List<Measurement> runs) {
        Map<String, Histogram> merged = new LinkedHashMap<>();
        for (Measurement m : runs) {
            if (m.latency() != null && m.latency().getTotalCount() > 0) {
                merged.computeIfAbsent(m.server(), s -> new Histogram(m.latency().getHighestTrackableValue(), 3))
                        .add(m.latency());
            }
        }
        List<SvgChart.Series> series = new ArrayList<>();
        for (String server : ordered(merged.keySet())) {
            Histogram histogram = merged.get(server);
            double last = 1.0 - 1.0 / histogram.getTotalCount(); // the top point: the max, at 1/(1-p) = count
            List<double[]> points = new ArrayList<>();
            for (HistogramIterationValue v : histogram.percentiles(TICKS_PER_HALF_DISTANCE)) {
                double p = Math.min(v.getPercentileLevelIteratedTo() / 100.0, last);
                points.add(new double[] {1 / (1 - p), v.getValueIteratedTo() / 1000.0});
                if (p >= last) {
                    break;
                }
            }
            series.add(new SvgChart.Series(server, color(server), points));
        }
        return series;
    }

    /** CPU µs/request and req/s, the median per server, for each tool that measured it. */
    private static Map<String, List<SvgChart.Bar>> bars(List<Measurement> runs) {
        Map<String, List<SvgChart.Bar>> panels = new LinkedHashMap<>();
        List<String> tools = runs.stream().map(Measurement::tool).distinct().toList();
        for (String tool : tools) {
            List<Measurement> mine = runs.stream().filter(m -> m.tool().equals(tool)).toList();
            List<String> servers = ordered(mine.stream().map(Measurement::server).distinct().toList());
            List<SvgChart.Bar> cpu = new ArrayList<>();
            List<SvgChart.Bar> rate = new ArrayList<>();
            for (String server : servers) {
                List<Measurement> theirs = mine.stream().filter(m -> m.server().equals(server)).toList();
                cpu.add(new SvgChart.Bar(server, color(server), BenchmarkReport.median(theirs, Measurement::cpuMicrosPerRequest)));
                rate.add(new SvgChart.Bar(server, color(server), BenchmarkReport.median(theirs, Measurement::requestsPerSecond)));
            }
            panels.put("server CPU µs/request (" + tool + ")", cpu);
            panels.put("requests/s (" + tool + ")", rate);
        }
        return panels;
    }

    private static List<String> ordered(Iterable<String> servers) {
        List<String> all = new ArrayList<>();
        servers.forEach(all::add);
        List<String> ordered = new ArrayList<>(BenchmarkReport.SERVER_ORDER.stream().filter(all::contains).toList());
        all.stream().filter(s -> !ordered.contains(s)).forEach(ordered::add);
        return ordered;
    }

    private static String color(String server) {
        return COLORS.getOrDefault(server, OTHER_COLOR);
    }
}
