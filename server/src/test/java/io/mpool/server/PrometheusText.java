package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A scrape of {@code /metrics} parsed line by line: every sample under its name and labels as
 * printed ({@code mpool_refusals_total{reason="framing"}}). Comment lines are checked to be
 * HELP or TYPE; a sample line that is not {@code name[{labels}] value} fails the parse.
 */
record PrometheusText(Map<String, Double> samples, Map<String, String> types) {

    static PrometheusText parse(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        Map<String, String> types = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                types.put(parts[2], parts[3]);
                continue;
            }
            if (line.startsWith("#")) {
                if (!line.startsWith("# HELP ")) {
                    throw new IllegalArgumentException("comment line neither HELP nor TYPE: " + line);
                }
                continue;
            }
            int space = line.lastIndexOf(' ');
            if (space < 0 || !line.matches("[a-zA-Z_:][a-zA-Z0-9_:]*(\\{.*})? \\S+")) {
                throw new IllegalArgumentException("not a sample line: " + line);
            }
            String value = line.substring(space + 1);
            samples.put(line.substring(0, space), switch (value) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(value);
            });
        }
        return new PrometheusText(samples, types);
    }

    /** The sample printed as {@code key}; fails if there is none. */
    double value(String key) {
        Double value = samples.get(key);
        assertNotNull(value, key + " in the scrape; names: " + samples.keySet());
        return value;
    }

    long count(String key) {
        return (long) value(key);
    }
}
