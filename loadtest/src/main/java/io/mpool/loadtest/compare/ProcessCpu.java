package io.mpool.loadtest.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * CPU time a process has used, from {@code /proc/<pid>/stat}: utime + stime + cutime + cstime
 * (fields 14-17, man 5 proc), in clock ticks, summed over the process and its live descendants
 * (nginx serves from a worker child; a JVM's threads are already in its own figures). Ticks are
 * {@code getconf CLK_TCK}, 100 a second on Linux: one tick is 10 ms, so a run needs hundreds of
 * ticks for a figure good to a percent.
 */
final class ProcessCpu {
    /** Clock ticks per second ({@code getconf CLK_TCK}); the kernel's USER_HZ is 100 on every Linux port we run on. */
    static final long TICKS_PER_SECOND = clockTicksPerSecond();

    /** Fields 14-17 of /proc/pid/stat, counted from 1 with the command name as field 2. */
    private static final int FIRST_CPU_FIELD = 14;
    private static final int CPU_FIELDS = 4;
    /** A thread's own time is fields 14-15; its 16-17 (children) are the whole process's, once per thread. */
    private static final int THREAD_CPU_FIELDS = 2;
    /** HotSpot's JIT compiler threads ("C1 CompilerThread0", cut to 15 characters by the kernel). */
    private static final Pattern JIT_THREAD = Pattern.compile("C[12] CompilerThre.*");
    /** Field 3 (state) is the first after the command name's closing parenthesis. */
    private static final int FIRST_FIELD_AFTER_NAME = 3;

    private ProcessCpu() {
    }

    /** True where /proc/self/stat can be read (Linux). */
    static boolean available() {
        return Files.isReadable(Path.of("/proc/self/stat"));
    }

    /** CPU ticks of {@code process} and its live descendants; -1 if /proc cannot be read. */
    static long ticks(ProcessHandle process) {
        long total = ticks(process.pid());
        if (total < 0) {
            return -1;
        }
        for (ProcessHandle child : process.descendants().toList()) {
            total += Math.max(0, ticks(child.pid())); // a child that just ended is in its parent's cutime
        }
        return total;
    }

    /**
     * CPU ticks of the process's JIT compiler threads (HotSpot's C1 and C2), 0 for a process that
     * has none (nginx), -1 if /proc cannot be read. While they are busy, a JVM is still warming up.
     */
    static long jitTicks(ProcessHandle process) {
        return threadTicks(process, JIT_THREAD);
    }

    /**
     * CPU ticks of the process's threads whose name (as the kernel keeps it: the first 15
     * characters) matches {@code names}, those alive now; -1 if /proc cannot be read.
     */
    static long threadTicks(ProcessHandle process, Pattern names) {
        try (Stream<Path> threads = Files.list(Path.of("/proc", String.valueOf(process.pid()), "task"))) {
            long total = 0;
            for (Path thread : threads.toList()) {
                try {
                    String stat = Files.readString(thread.resolve("stat"), StandardCharsets.US_ASCII);
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (names.matcher(name).matches()) {
                        total += ticksOfStat(stat, THREAD_CPU_FIELDS);
                    }
                } catch (IOException | RuntimeException threadEnded) {
                    // its ticks are gone with it; the sum only lowers
                }
            }
            return total;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long ticks(long pid) {
        try {
            return ticksOfStat(Files.readString(Path.of("/proc", String.valueOf(pid), "stat"), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * utime + stime + cutime + cstime of one {@code /proc/<pid>/stat} line. The command name (field
     * 2) is in parentheses and may itself hold spaces and parentheses, so fields are counted from
     * the last ')'.
     */
    static long ticksOfStat(String stat) {
        return ticksOfStat(stat, CPU_FIELDS);
    }

    /** The first {@code fieldCount} of fields 14-17 of a stat line, summed. */
    static long ticksOfStat(String stat, int fieldCount) {
        int nameEnd = stat.lastIndexOf(')');
        if (nameEnd < 0) {
            throw new IllegalArgumentException("stat=" + stat + " (expected: pid (comm) state ...)");
        }
        String[] fields = stat.substring(nameEnd + 1).trim().split(" +");
        int first = FIRST_CPU_FIELD - FIRST_FIELD_AFTER_NAME;
        if (fields.length < first + CPU_FIELDS) {
            throw new IllegalArgumentException("stat=" + stat + " (expected: at least " + (FIRST_CPU_FIELD + CPU_FIELDS - 1)
                    + " fields)");
        }
        long ticks = 0;
        for (int i = first; i < first + fieldCount; i++) {
            ticks += Long.parseLong(fields[i]);
        }
        return ticks;
    }

    private static long clockTicksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (getconf.waitFor() == 0) {
                return Long.parseLong(out);
            }
        } catch (IOException | RuntimeException e) {
            // fall through to Linux's fixed USER_HZ
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }
}
