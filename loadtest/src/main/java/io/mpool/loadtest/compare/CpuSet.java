package io.mpool.loadtest.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The CPUs a {@code taskset -c} list names ("0", "0,2", "0-3"), and how busy they were, from the
 * {@code cpuN} lines of {@code /proc/stat}: on a shared machine the server's CPU also runs other
 * processes, and the report says how much of it they took during each run.
 */
record CpuSet(List<Integer> cpus) {

    /** Fields of a cpuN line after its name: user nice system idle iowait irq softirq steal (guest time is in user). */
    private static final int IDLE = 3;
    private static final int IOWAIT = 4;
    private static final int COUNTED_FIELDS = 8;

    /** Ticks of the set's CPUs since boot: all, and busy (not idle or waiting for IO; steal counts as busy). */
    record Times(long total, long busy) {
        Times minus(Times earlier) {
            return new Times(total - earlier.total, busy - earlier.busy);
        }
    }

    CpuSet {
        cpus = List.copyOf(cpus);
    }

    static CpuSet parse(String list) {
        TreeSet<Integer> cpus = new TreeSet<>();
        try {
            for (String part : list.split(",")) {
                int dash = part.indexOf('-');
                int from = Integer.parseInt(part.substring(0, dash < 0 ? part.length() : dash).trim());
                int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1).trim());
                if (from < 0 || to < from) {
                    throw new NumberFormatException(part);
                }
                for (int cpu = from; cpu <= to; cpu++) {
                    cpus.add(cpu);
                }
            }
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("cpu list=" + list + " (expected: taskset -c style, e.g. 0 or 0,2 or 0-3)");
        }
        return new CpuSet(new ArrayList<>(cpus));
    }

    /** Current times of this set, or null where /proc/stat cannot be read or lacks a CPU. */
    Times times() {
        try {
            return times(Files.readAllLines(Path.of("/proc/stat")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    Times times(List<String> procStat) {
        long total = 0;
        long busy = 0;
        int found = 0;
        for (String line : procStat) {
            String[] fields = line.trim().split(" +");
            if (!fields[0].startsWith("cpu") || fields[0].length() == 3
                    || !cpus.contains(Integer.parseInt(fields[0].substring(3)))) {
                continue;
            }
            found++;
            for (int i = 0; i < COUNTED_FIELDS && i + 1 < fields.length; i++) {
                long ticks = Long.parseLong(fields[i + 1]);
                total += ticks;
                if (i != IDLE && i != IOWAIT) {
                    busy += ticks;
                }
            }
        }
        return found == cpus.size() ? new Times(total, busy) : null;
    }
}
