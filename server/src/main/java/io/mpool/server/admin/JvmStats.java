package io.mpool.server.admin;

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

    public static JvmStats now() {
        long allocated = -1;
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
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
                direct, rss());
    }

    private static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }
}
