package io.mpool.server;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import javax.management.ObjectName;

/**
 * Class histograms of this JVM's live heap (after a full collection), as {@code jcmd PID
 * GC.class_histogram} prints them: what a test's connections keep, counted exactly per class.
 */
final class LiveHeap {
    private LiveHeap() {
    }

    /** Class name to {instances, bytes} of every live object, after a full collection. */
    static Map<String, long[]> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {null}, new String[] {String[].class.getName()});
        Map<String, long[]> classes = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 4 && fields[0].endsWith(":")) {
                classes.put(fields[3], new long[] {Long.parseLong(fields[1]), Long.parseLong(fields[2])});
            }
        }
        return classes;
    }

    /** What grew from {@code before} to {@code after}: {instances, bytes} per class, only classes that grew. */
    static Map<String, long[]> grown(Map<String, long[]> before, Map<String, long[]> after) {
        Map<String, long[]> grown = new HashMap<>();
        after.forEach((name, now) -> {
            long[] was = before.getOrDefault(name, new long[2]);
            if (now[0] > was[0]) {
                grown.put(name, new long[] {now[0] - was[0], now[1] - was[1]});
            }
        });
        return grown;
    }

    /** The classes of {@code classes}, most bytes first, per {@code per} (a connection): one line each. */
    static String describe(Map<String, long[]> classes, int per) {
        StringBuilder text = new StringBuilder();
        classes.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1])).limit(40)
                .forEach(e -> text.append(String.format("%8.1f B %6.2f  %s%n", (double) e.getValue()[1] / per,
                        (double) e.getValue()[0] / per, e.getKey())));
        return text.toString();
    }

    static long instances(Map<String, long[]> classes, Predicate<String> names) {
        return classes.entrySet().stream().filter(e -> names.test(e.getKey())).mapToLong(e -> e.getValue()[0]).sum();
    }

    static long bytes(Map<String, long[]> classes, Predicate<String> names) {
        return classes.entrySet().stream().filter(e -> names.test(e.getKey())).mapToLong(e -> e.getValue()[1]).sum();
    }
}
