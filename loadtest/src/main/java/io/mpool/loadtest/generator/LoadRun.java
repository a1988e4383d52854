package io.mpool.loadtest.generator;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/** Runs one load: starts the workers, prints a progress line every second, gathers the result. */
public final class LoadRun {
    /** How long in-flight requests get to finish after the duration. */
    private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(5);

    private LoadRun() {
    }

    public static LoadResult run(LoadSettings settings, String command, AdminProbe admin, PrintStream progress)
            throws IOException, InterruptedException {
        RequestMix mix = RequestMix.parse(settings.mix(), settings.bodySize(), settings.bytesSize(),
                settings.target().getHost() + ":" + settings.port(), !settings.keepAlive());
        InetSocketAddress address = new InetSocketAddress(settings.target().getHost(), settings.port());
        List<LoadWorker> workers = new ArrayList<>();
        int threads = Math.min(settings.threads(), settings.connections());
        for (int t = 0; t < threads; t++) {
            int share = settings.connections() / threads + (t < settings.connections() % threads ? 1 : 0);
            workers.add(new LoadWorker(settings, mix, address, share, t));
        }
        long start = System.nanoTime();
        long stopSending = start + settings.duration().toNanos();
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < workers.size(); t++) {
            LoadWorker worker = workers.get(t);
            worker.schedule(start, stopSending, stopSending + DRAIN_NANOS);
            Thread thread = new Thread(worker, "load-" + t);
            thread.start();
            running.add(thread);
        }
        Histogram total = new Histogram(LoadWorker.MAX_LATENCY_MICROS, 3);
        long lastCompleted = 0;
        int second = 0;
        while (running.stream().anyMatch(Thread::isAlive)) {
            for (Thread thread : running) {
                thread.join(Math.max(1, 1000 / running.size()));
            }
            Histogram interval = new Histogram(LoadWorker.MAX_LATENCY_MICROS, 3);
            for (LoadWorker worker : workers) {
                interval.add(worker.recorder.getIntervalHistogram());
            }
            total.add(interval);
            long completed = workers.stream().mapToLong(w -> w.completed.sum()).sum();
            if (progress != null) {
                progress.printf(Locale.ROOT, "t=%2ds  req/s=%8d  errors=%d  p99 so far=%s%n", ++second,
                        completed - lastCompleted, errors(workers).values().stream().mapToLong(Long::longValue).sum(),
                        LoadResult.ms(total.getValueAtPercentile(99)));
            }
            lastCompleted = completed;
            if (admin != null) {
                admin.sample();
            }
        }
        double seconds = Math.min(System.nanoTime() - start, settings.duration().toNanos() + DRAIN_NANOS) / 1e9;
        double measured = Math.max(settings.duration().toNanos() / 1e9, 1e-9);
        long requests = workers.stream().mapToLong(w -> w.completed.sum()).sum();
        return new LoadResult(command, settings.target().toString(), mix.describe().toString(), settings.connections(),
                settings.pipeline(), settings.rate(), settings.keepAlive(), seconds, requests, requests / measured,
                workers.stream().mapToLong(w -> w.connects.sum()).sum(), errors(workers),
                total.getValueAtPercentile(50), total.getValueAtPercentile(90), total.getValueAtPercentile(99),
                total.getValueAtPercentile(99.9), total.getMaxValue(), null);
    }

    private static Map<String, Long> errors(List<LoadWorker> workers) {
        Map<String, Long> errors = new TreeMap<>();
        for (LoadWorker worker : workers) {
            worker.errors.forEach((kind, count) -> errors.merge(kind, count.sum(), Long::sum));
        }
        return errors;
    }
}
