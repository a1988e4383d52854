package io.mpool.mempool;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where outstanding blocks were taken, with leak tracking on ({@code mpool.debug.leakTracking},
 * {@code --debug leak-tracking}): one call stack and how many blocks taken there are still out,
 * as Jetty's {@code ArrayByteBufferPool.Tracking} dumps its leaks. A leak shows as a site whose
 * count only grows.
 *
 * @param takenAt the stack of the take, the caller of the arena first, at most
 *                {@value #FRAMES_PER_SITE} frames ({@code Class.method(File.java:line)})
 * @param blocks  outstanding blocks taken there
 * @param bytes   their capacity, added up
 */
public record LeakSite(List<String> takenAt, int blocks, long bytes) {
    /**
     * Frames kept per site: enough to get from the pool's allocate through the server's
     * connection code to the handler; sites that differ only deeper down count as one.
     */
    public static final int FRAMES_PER_SITE = 12;
    /** Sites a log report lists: a leak's site is among the first few; a full list is for the admin route. */
    public static final int REPORT_SITES = 10;

    /** The outstanding blocks of {@code takenAt} by site, most blocks first (then most bytes), at most {@code top}. */
    static List<LeakSite> group(Map<ArenaBlock, Throwable> takenAt, int top) {
        if (top < 0) {
            throw new IllegalArgumentException("top=" + top + " (expected: 0 or more sites)");
        }
        Map<List<String>, long[]> bySite = new HashMap<>(); // site -> {blocks, bytes}
        takenAt.forEach((block, taken) -> {
            long[] counts = bySite.computeIfAbsent(frames(taken), site -> new long[2]);
            counts[0]++;
            counts[1] += block.capacity();
        });
        List<LeakSite> sites = new ArrayList<>(bySite.size());
        bySite.forEach((frames, counts) -> sites.add(new LeakSite(frames, (int) counts[0], counts[1])));
        sites.sort(Comparator.comparingInt(LeakSite::blocks).thenComparingLong(LeakSite::bytes).reversed()
                .thenComparing(site -> String.join("\n", site.takenAt())));
        return List.copyOf(sites.subList(0, Math.min(top, sites.size())));
    }

    /**
     * The outstanding blocks of {@code arena} by site, for a log: the {@code top} sites, each with
     * its count and stack; "" when nothing is outstanding. Without leak tracking, one line that
     * says how to turn it on.
     */
    public static String report(PageArena arena, int top) {
        ArenaStats stats = arena.stats();
        if (stats.outstandingBlocks() == 0) {
            return "";
        }
        if (!arena.debug().leakTracking()) {
            return "\n" + stats.outstandingBlocks() + " block(s) outstanding; where they were taken is recorded with"
                    + " --debug leak-tracking (-Dmpool.debug.leakTracking=true)";
        }
        List<LeakSite> sites = arena.leakSites(top);
        StringBuilder report = new StringBuilder("\n").append(stats.outstandingBlocks())
                .append(" block(s) outstanding, by where they were taken (at most ").append(top).append(" sites):");
        for (LeakSite site : sites) {
            report.append("\n  ").append(site.blocks()).append(" block(s), ").append(site.bytes()).append(" bytes, taken at");
            for (String frame : site.takenAt()) {
                report.append("\n\t").append(frame);
            }
        }
        return report.toString();
    }

    /** The frames of a take from the arena's caller on, without the arena's own. */
    private static List<String> frames(Throwable taken) {
        List<String> frames = new ArrayList<>(FRAMES_PER_SITE);
        for (StackTraceElement frame : taken.getStackTrace()) {
            if (frames.isEmpty() && frame.getClassName().equals(PageArena.class.getName())) {
                continue;
            }
            frames.add(frame.getClassName() + "." + frame.getMethodName() + "(" + frame.getFileName() + ":"
                    + frame.getLineNumber() + ")");
            if (frames.size() == FRAMES_PER_SITE) {
                break;
            }
        }
        return List.copyOf(frames);
    }

    @Override
    public String toString() {
        return "blocks=" + blocks + " bytes=" + bytes + " takenAt=" + (takenAt.isEmpty() ? "?" : takenAt.get(0));
    }
}
