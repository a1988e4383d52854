package io.mpool.loadtest.compare;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report's two kinds of picture, as plain SVG text: a latency-percentile plot (log-scaled on
 * both axes, one line per server) and a bar chart (one panel per figure, one bar per server).
 *
 * <p>Why plain SVG from a small class and not a plotting library (XChart and the like): the two
 * charts need lines, bars, log axes and a legend, about 200 lines; the text is deterministic, so
 * a regenerated report diffs cleanly in git; GitHub and every browser render it; and the loadtest
 * jar gains no AWT-based dependency that has to run headless on a server.
 */
final class SvgChart {
    /** A line of the percentile plot: x is 1/(1 - percentile/100), y the latency in ms. */
    record Series(String name, String color, List<double[]> points) {
    }

    /** A bar: a server's value of one figure. */
    record Bar(String name, String color, double value) {
    }

    private static final int WIDTH = 760;
    private static final int HEIGHT = 380;
    private static final int LEFT = 70;
    private static final int RIGHT = 150;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;
    /** The x ticks of the percentile plot: 0%, 90%, 99%, ... as 1/(1-p). */
    private static final List<String> PERCENTILE_LABELS = List.of("0%", "90%", "99%", "99.9%", "99.99%", "99.999%",
            "99.9999%");

    private final StringBuilder svg = new StringBuilder();

    private SvgChart(int width, int height, String title) {
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", width, height, width, height));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        text(width / 2.0, 22, "middle", 14, title);
    }

    /**
     * Latency by percentile, every series on one chart; both axes logarithmic (x as 1/(1-p), so
     * 90%, 99%, 99.9% are equally spaced, as HdrHistogram's own plots draw it).
     */
    static String percentiles(String title, List<Series> series) {
        SvgChart chart = new SvgChart(WIDTH, HEIGHT, title);
        double maxX = 10;
        double minY = Double.MAX_VALUE;
        double maxY = 0;
        for (Series s : series) {
            for (double[] p : s.points()) {
                maxX = Math.max(maxX, p[0]);
                minY = Math.min(minY, p[1]);
                maxY = Math.max(maxY, p[1]);
            }
        }
        if (maxY == 0) {
            minY = 0.01;
            maxY = 1;
        }
        int decadesX = (int) Math.ceil(Math.log10(maxX));
        double lowY = Math.pow(10, Math.floor(Math.log10(Math.max(minY, 1e-3))));
        double highY = Math.pow(10, Math.ceil(Math.log10(Math.max(maxY, lowY * 10))));
        double plotWidth = WIDTH - LEFT - RIGHT;
        double plotHeight = HEIGHT - TOP - BOTTOM;
        Scale x = v -> LEFT + plotWidth * Math.log10(Math.max(1, v)) / decadesX;
        Scale y = v -> TOP + plotHeight * (1 - Math.log10(Math.max(v, lowY) / lowY) / Math.log10(highY / lowY));
        for (int d = 0; d <= decadesX; d++) {
            double at = x.at(Math.pow(10, d));
            chart.line(at, TOP, at, TOP + plotHeight, "#e5e5e5");
            chart.text(at, TOP + plotHeight + 16, "middle", 11, d < PERCENTILE_LABELS.size() ? PERCENTILE_LABELS.get(d) : "");
        }
        for (double v = lowY; v <= highY * 1.0001; v *= 10) {
            double at = y.at(v);
            chart.line(LEFT, at, LEFT + plotWidth, at, "#e5e5e5");
            chart.text(LEFT - 6, at + 4, "end", 11, number(v) + " ms");
        }
        chart.text(LEFT + plotWidth / 2, HEIGHT - 12, "middle", 12, "percentile");
        chart.rect(LEFT, TOP, plotWidth, plotHeight, "none", "#999999");
        int legend = 0;
        for (Series s : series) {
            StringBuilder points = new StringBuilder();
            for (double[] p : s.points()) {
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x.at(p[0]), y.at(p[1])));
            }
            chart.svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\""
                    + " points=\"%s\"/>%n", s.color(), points.toString().trim()));
            chart.legend(LEFT + plotWidth + 16, TOP + 10 + 20 * legend++, s.color(), s.name());
        }
        return chart.end();
    }

    /** One panel per figure (e.g. CPU µs/request, req/s), one bar per server, values on the bars. */
    static String bars(String title, Map<String, List<Bar>> panels) {
        int panelWidth = 340;
        int width = Math.max(WIDTH, 40 + panelWidth * panels.size());
        SvgChart chart = new SvgChart(width, 290, title);
        int panel = 0;
        for (Map.Entry<String, List<Bar>> entry : panels.entrySet()) {
            double left = 30 + panel++ * panelWidth;
            double top = 76;
            double height = 180;
            List<Bar> bars = entry.getValue();
            double max = bars.stream().mapToDouble(Bar::value).max().orElse(0);
            chart.text(left + (panelWidth - 40) / 2.0, 48, "middle", 13, entry.getKey());
            chart.line(left, top + height, left + panelWidth - 40, top + height, "#999999");
            double slot = (panelWidth - 40.0) / Math.max(1, bars.size());
            for (int i = 0; i < bars.size(); i++) {
                Bar bar = bars.get(i);
                double h = max <= 0 || bar.value() < 0 ? 0 : height * bar.value() / max;
                double x = left + i * slot + slot * 0.15;
                chart.rect(x, top + height - h, slot * 0.7, h, bar.color(), "none");
                chart.text(x + slot * 0.35, top + height - h - 4, "middle", 11, bar.value() < 0 ? "n/a" : number(bar.value()));
                chart.text(x + slot * 0.35, top + height + 16, "middle", 11, bar.name());
            }
        }
        return chart.end();
    }

    /** A number as the charts print it: 3 significant digits, thousands separated. */
    static String number(double v) {
        if (v >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (v >= 1) {
            return String.format(Locale.ROOT, "%.2f", v).replaceAll("\\.?0+$", "");
        }
        return String.format(Locale.ROOT, "%.3f", v).replaceAll("\\.?0+$", "");
    }

    private interface Scale {
        double at(double value);
    }

    private void legend(double x, double y, String color, String name) {
        rect(x, y - 9, 14, 10, color, "none");
        text(x + 20, y, "start", 12, name);
    }

    private void line(double x1, double y1, double x2, double y2, String color) {
        svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n",
                x1, y1, x2, y2, color));
    }

    private void rect(double x, double y, double width, double height, String fill, String stroke) {
        svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\""
                + " stroke=\"%s\"/>%n", x, y, width, height, fill, stroke));
    }

    private void text(double x, double y, String anchor, int size, String text) {
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">%s</text>%n",
                x, y, anchor, size, escape(text)));
    }

    private String end() {
        return svg.append("</svg>\n").toString();
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
