package io.mpool.server.admin;

import com.sun.management.ThreadMXBean;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The JVM figures a benchmark needs next to the pool's: heap bytes allocated by all live threads
 * (com.sun.management.ThreadMXBean), collections, direct memory, resident set size.
 *
 * @param heapBytesAllocated sum of every live thread's allocated bytes (threads that ended are not
 *                           counted; the server's threads live as long as it does)
 * @param rssBytes           VmRSS from /proc/self/status, or -1 where there is none
 */
public record JvmStats(long heapBytesAllocated, long gcCount, long gcMillis, long heapUsedBytes,
                       long directBytesUsed, long rssBytes) {
    private static final Path SELF_STATUS = Path.of("/proc/self/status");
    private static final long KIB = 1024;

    public static JvmStats now() {
        long allocated = -1;
        if (ManagementFactory.getThreadMXBean() instanceof ThreadMXBean threads
                && threads.isThreadAllocatedMemorySupported()) {
            allocated = 0;
            for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
                allocated += Math.max(0, bytes);
            }
        }
        long gcCount = 0;
        long gcMillis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcCount += Math.max(0, gc.getCollectionCount());
            gcMillis += Math.max(0, gc.getCollectionTime());
        }
        long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        return new JvmStats(allocated, gcCount, gcMillis, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
                direct, rssBytes(SELF_STATUS));
    }

    /**
     * VmRSS from a Linux {@code /proc/<pid>/status} file, in bytes, or -1 where there is none (not
     * Linux, process gone). One parser for this process and for the load tester's child processes.
     */
    public static long rssBytes(Path procStatus) {
        try {
            for (String line : Files.readAllLines(procStatus)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * KIB; // "VmRSS:  1234 kB"
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }
}
