package io.mpool.loadtest.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import picocli.CommandLine;

class ReportChartsTest {

    private static Measurement run(String server, String tool, int round, double cpu, double rate, Histogram latency) {
        return new Measurement(server, tool, round, 100_000, rate, 500, 900, 0, 500, cpu, 1.0, 12.0, 100, 1, 100 << 20,
                "cmd", latency);
    }

    private static Histogram latency(long fromMicros, int count) {
        Histogram histogram = new Histogram(60_000_000L, 3);
        for (int i = 0; i < count; i++) {
            histogram.recordValue(fromMicros + i);
        }
        return histogram;
    }

    @Test
    void eachWorkloadGetsALatencyPlotWithEveryServerAndABarChartBesideTheReport(@TempDir Path dir) throws Exception {
        List<Measurement> runs = new ArrayList<>();
        for (int round = 1; round <= 2; round++) {
            runs.add(run("mp", "mpool-loadtest", round, 10, 20_000, latency(100, 1000)));
            runs.add(run("undertow", "mpool-loadtest", round, 12, 18_000, latency(150, 1000)));
            runs.add(run("mp", "wrk", round, 9, 25_000, null));
        }
        Map<Workload, List<Measurement>> results = new LinkedHashMap<>();
        results.put(Workload.parse("echo-64k"), runs);
        Map<String, String> markdown = ReportCharts.write(results, dir.resolve("benchmarks.md"));

        assertEquals("![echo-64k latency by percentile](benchmarks-echo-64k-latency.svg)\n"
                + "![echo-64k CPU per request and requests per second](benchmarks-echo-64k-cpu.svg)\n",
                markdown.get("echo-64k"));
        Document plot = parse(dir.resolve("benchmarks-echo-64k-latency.svg"));
        assertEquals(2, plot.getElementsByTagName("polyline").getLength(), "one line per server");
        String plotText = plot.getDocumentElement().getTextContent();
        assertTrue(plotText.contains("mp") && plotText.contains("undertow") && plotText.contains("99.9%"), plotText);
        Document bars = parse(dir.resolve("benchmarks-echo-64k-cpu.svg"));
        String barText = bars.getDocumentElement().getTextContent();
        assertTrue(barText.contains("server CPU µs/request (mpool-loadtest)") && barText.contains("requests/s (wrk)"),
                barText);
        assertTrue(barText.contains("20,000") && barText.contains("25,000"), "medians on the bars: " + barText);
    }

    @Test
    void wrkAloneGivesNoLatencyPlot(@TempDir Path dir) throws Exception {
        Map<Workload, List<Measurement>> results = Map.of(Workload.parse("hello-64"),
                List.of(run("mp", "wrk", 1, 9, 25_000, null)));
        String markdown = ReportCharts.write(results, dir.resolve("report.md")).get("hello-64");
        assertFalse(markdown.contains("latency"), markdown);
        assertFalse(Files.exists(dir.resolve("report-hello-64-latency.svg")));
        assertTrue(Files.exists(dir.resolve("report-hello-64-cpu.svg")));
    }

    @Test
    void theDurationTakesWholeSeconds() {
        Compare.WholeSeconds seconds = new Compare.WholeSeconds();
        assertEquals(2, seconds.convert("2s"));
        assertEquals(2, seconds.convert("2"));
        assertEquals(60, seconds.convert("1m"));
        assertEquals("'500ms' (expected: whole seconds, e.g. 5, 5s, 1m)",
                assertThrows(CommandLine.TypeConversionException.class, () -> seconds.convert("500ms")).getMessage());
    }

    private static Document parse(Path svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
    }
}
