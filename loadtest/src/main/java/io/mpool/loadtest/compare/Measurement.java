package io.mpool.loadtest.compare;

import org.HdrHistogram.Histogram;

/**
 * One measured run of one server under one tool. -1 where a figure is not available (heap and GCs
 * come from the admin endpoint, which only the two mpool servers have).
 *
 * @param requests            responses the tool counted in the run (the CPU divisor)
 * @param cpuTicks            the server's CPU time over the run, in clock ticks ({@link ProcessCpu})
 * @param cpuMicrosPerRequest {@code cpuTicks} in µs divided by {@code requests}
 * @param jitPercent          share of the server's CPU time its JIT compiler threads used: a JVM
 *                            still compiling is not warm yet (0 for nginx, -1 unknown)
 * @param othersPercent       share of the server CPUs' time that went to anything but this server
 *                            during the run (other processes, interrupts, steal), -1 unpinned
 * @param command             the tool's command line (PORT stands for the server's port where the
 *                            tool runs in-process)
 * @param latency             every response's latency in µs, from our generator; null from wrk,
 *                            which reports a few percentiles only
 */
record Measurement(String server, String tool, int round, long requests, double requestsPerSecond, long p50Micros,
                   long p99Micros, long errors, long cpuTicks, double cpuMicrosPerRequest, double jitPercent, double othersPercent,
                   double heapBytesPerRequest,
                   long gcCount, long rssBytes, String command, Histogram latency) {

    static double jitPercent(long jitTicks, long serverTicks) {
        return jitTicks < 0 || serverTicks <= 0 ? -1 : Math.max(0, jitTicks) * 100.0 / serverTicks;
    }

    /** (busy - this server's ticks) / all ticks of the server CPUs, in percent; -1 when unknown. */
    static double othersPercent(CpuSet.Times window, long serverTicks) {
        if (window == null || window.total() <= 0 || serverTicks < 0) {
            return -1;
        }
        return Math.max(0, window.busy() - serverTicks) * 100.0 / window.total();
    }

    static double cpuMicrosPerRequest(long cpuTicks, long requests) {
        return requests <= 0 || cpuTicks < 0 ? -1 : cpuTicks * (1_000_000.0 / ProcessCpu.TICKS_PER_SECOND) / requests;
    }
}
