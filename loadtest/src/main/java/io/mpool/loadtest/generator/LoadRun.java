package io.mpool.loadtest.generator;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

/**
 * Runs one load: checks the server answers a connect, runs the unmeasured warm-up, then starts the
 * workers, prints a progress line every second, and gathers the result. A server that stops
 * accepting connections mid-run ends the run after {@link #UNREACHABLE_SECONDS} seconds without a
 * response, not after thousands of connect errors.
 */
public final class LoadRun {
    /** How long in-flight requests get to finish after the duration. */
    private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Seconds in a row with connect errors and no response before the run gives up on the server. */
    static final int UNREACHABLE_SECONDS = 3;

    private LoadRun() {
    }

    public static LoadResult run(LoadSettings settings, String command, AdminProbe admin, PrintStream progress)
            throws IOException, InterruptedException {
        return run(settings, command, admin, progress, null);
    }

    /**
     * @param log where each second's latency histogram goes (the whole run untagged, each request
     *            kind tagged with its name), or null
     * @throws ServerUnreachableException when the first connect to the server fails
     */
    public static LoadResult run(LoadSettings settings, String command, AdminProbe admin, PrintStream progress,
                                 HistogramLogWriter log) throws IOException, InterruptedException {
        String host = settings.target().getHost() + ":" + settings.port();
        String requestTarget = LoadSettings.requestTarget(settings.target());
        RequestMix mix = requestTarget != null ? RequestMix.get(requestTarget, host, !settings.keepAlive())
                : RequestMix.parse(settings.mixOrDefault(), settings.bodySize(), settings.bytesSize(), host, !settings.keepAlive());
        InetSocketAddress address = new InetSocketAddress(settings.target().getHost(), settings.port());
        ServerUnreachableException.check(address, settings.timeout());
        if (!settings.warmup().isZero()) {
            Phase warm = drive(settings, mix, address, settings.warmup(), null, null, null);
            if (progress != null) {
                progress.printf(Locale.ROOT, "warm-up: %d requests in %.1f s (not measured)%n", warm.requests(),
                        warm.seconds());
            }
            if (warm.stoppedEarly() != null) {
                return result(settings, command, mix, warm);
            }
            if (admin != null) {
                admin.afterWarmup();
            }
        }
        return result(settings, command, mix, drive(settings, mix, address, settings.duration(), admin, progress, log));
    }

    /** What one phase (warm-up or measured run) of the workers did. */
    private record Phase(List<LoadWorker> workers, Histogram total, Histogram[] byKind, double seconds,
                         double measuredSeconds, long requests, String stoppedEarly) {
    }

    private static Phase drive(LoadSettings settings, RequestMix mix, InetSocketAddress address, Duration duration,
                               AdminProbe admin, PrintStream progress, HistogramLogWriter log)
            throws IOException, InterruptedException {
        List<LoadWorker> workers = new ArrayList<>();
        int threads = Math.min(settings.threads(), settings.connections());
        for (int t = 0; t < threads; t++) {
            int share = settings.connections() / threads + (t < settings.connections() % threads ? 1 : 0);
            workers.add(new LoadWorker(settings, mix, address, share, t));
        }
        long start = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        long stopSending = start + duration.toNanos();
        if (log != null) {
            log.outputLogFormatVersion();
            log.outputStartTime(startMillis);
            log.setBaseTime(startMillis);
            log.outputLegend();
        }
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < workers.size(); t++) {
            LoadWorker worker = workers.get(t);
            worker.schedule(start, stopSending, stopSending + DRAIN_NANOS);
            Thread thread = new Thread(worker, "load-" + t);
            thread.start();
            running.add(thread);
        }
        int kinds = mix.weights().size();
        Histogram total = new Histogram(Latencies.MAX_MICROS, 3);
        Histogram[] byKind = new Histogram[kinds];
        for (int k = 0; k < kinds; k++) {
            byKind[k] = new Histogram(Latencies.MAX_MICROS, 3);
        }
        List<String> kindNames = List.copyOf(mix.weights().keySet());
        long lastCompleted = 0;
        long lastConnectErrors = 0;
        int secondsUnanswered = 0;
        String stoppedEarly = null;
        long intervalStart = startMillis;
        int second = 0;
        boolean alive = true;
        while (alive) {
            for (Thread thread : running) {
                thread.join(Math.max(1, 1000 / running.size()));
            }
            // Read before collecting: once every worker has ended, this collection takes their
            // last latencies (a worker ending during the admin sample below, which may wait for
            // the server's next page build, would otherwise leave them out of the log and the total).
            alive = running.stream().anyMatch(Thread::isAlive);
            long now = System.currentTimeMillis();
            Histogram interval = new Histogram(Latencies.MAX_MICROS, 3);
            for (LoadWorker worker : workers) {
                interval.add(worker.latencies.all.getIntervalHistogram());
            }
            total.add(interval);
            interval.setStartTimeStamp(intervalStart);
            interval.setEndTimeStamp(now);
            if (log != null) {
                log.outputIntervalHistogram(interval);
            }
            for (int k = 0; k < kinds; k++) {
                Histogram kindInterval = new Histogram(Latencies.MAX_MICROS, 3);
                for (LoadWorker worker : workers) {
                    kindInterval.add(worker.latencies.byKind[k].getIntervalHistogram());
                }
                byKind[k].add(kindInterval);
                if (log != null && kinds > 1) {
                    kindInterval.setStartTimeStamp(intervalStart);
                    kindInterval.setEndTimeStamp(now);
                    kindInterval.setTag(kindNames.get(k));
                    log.outputIntervalHistogram(kindInterval);
                }
            }
            intervalStart = now;
            long completed = workers.stream().mapToLong(w -> w.completed.sum()).sum();
            Map<String, Long> errors = errors(workers);
            if (progress != null) {
                progress.printf(Locale.ROOT, "t=%2ds  req/s=%8d  errors=%d  p99 so far=%s%n", ++second,
                        completed - lastCompleted, errors.values().stream().mapToLong(Long::longValue).sum(),
                        LoadResult.ms(total.getValueAtPercentile(99)));
            }
            long connectErrors = errors.getOrDefault("connect", 0L);
            secondsUnanswered = completed == lastCompleted && connectErrors > lastConnectErrors ? secondsUnanswered + 1 : 0;
            if (secondsUnanswered >= UNREACHABLE_SECONDS && stoppedEarly == null) {
                stoppedEarly = "no response for " + UNREACHABLE_SECONDS + " s while connects to "
                        + address.getHostString() + ":" + address.getPort() + " failed (" + connectErrors
                        + " connect errors): the server stopped accepting connections";
                workers.forEach(LoadWorker::abort);
                if (progress != null) {
                    progress.println("stopping: " + stoppedEarly);
                }
            }
            lastCompleted = completed;
            lastConnectErrors = connectErrors;
            if (admin != null) {
                admin.sample();
            }
        }
        double seconds = Math.min(System.nanoTime() - start, duration.toNanos() + DRAIN_NANOS) / 1e9;
        double measured = stoppedEarly != null ? Math.max(seconds, 1e-9) : Math.max(duration.toNanos() / 1e9, 1e-9);
        long requests = workers.stream().mapToLong(w -> w.completed.sum()).sum();
        return new Phase(workers, total, byKind, seconds, measured, requests, stoppedEarly);
    }

    private static LoadResult result(LoadSettings settings, String command, RequestMix mix, Phase phase) {
        Map<String, KindResult> byKind = new LinkedHashMap<>();
        int k = 0;
        for (Map.Entry<String, Integer> kind : mix.weights().entrySet()) {
            int index = k++;
            long good = phase.workers().stream().mapToLong(w -> w.completedByKind[index].sum()).sum();
            long bad = phase.workers().stream().mapToLong(w -> w.errorsByKind[index].sum()).sum();
            byKind.put(kind.getKey(), KindResult.of(kind.getValue(), good, bad, phase.measuredSeconds(),
                    phase.byKind()[index]));
        }
        Histogram total = phase.total();
        return new LoadResult(command, settings.target().toString(), mix.describe(), settings.connections(),
                settings.pipeline(), settings.rate(), settings.keepAlive(), settings.warmup().toMillis() / 1000.0,
                phase.seconds(), phase.requests(), phase.requests() / phase.measuredSeconds(),
                phase.workers().stream().mapToLong(w -> w.connects.sum()).sum(), errors(phase.workers()),
                total.getValueAtPercentile(50), total.getValueAtPercentile(90), total.getValueAtPercentile(99),
                total.getValueAtPercentile(99.9), total.getMaxValue(), byKind, phase.stoppedEarly(), null, total);
    }

    private static Map<String, Long> errors(List<LoadWorker> workers) {
        Map<String, Long> errors = new TreeMap<>();
        for (LoadWorker worker : workers) {
            worker.errors.forEach((kind, count) -> errors.merge(kind, count.sum(), Long::sum));
        }
        return errors;
    }
}
