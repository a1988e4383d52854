package io.mpool.loadtest.compare;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * The JIT-aware warm-up before round 1, per server and workload: unmeasured slices of load until
 * the server's JIT compiler threads have gone quiet (and, in {@link Compare}, the server has used
 * its {@code --warmup} seconds of CPU), or until {@code --warmup-max} seconds have passed. A JVM
 * still compiling costs several times its warm figure per request, and the JIT needs CPU time,
 * not wall time: a server sharing its CPU with other processes gets less of it per second.
 *
 * <p>A picocli mixin of {@link Compare} and {@link H2Compare}: it holds {@code --warmup-max}.
 */
final class WarmUp {
    /** Compare's slices: seconds of load each (H2Compare's last {@code --warmup} seconds). */
    static final int SLICE_SECONDS = 3;
    /** Quiet: the JIT compiler threads used at most this share of the server's CPU in the last slice. */
    static final int JIT_QUIET_PERCENT = 5;
    /**
     * However busy the JIT, warm-up ends after this long per server and workload unless
     * {@code --warmup-max} says otherwise (it bounds the whole run). TLS handshakes (churn over
     * HTTPS) keep the JIT compiling for over a minute: 30 s left their early rounds at 1.5-3x the
     * warm figure.
     */
    static final int DEFAULT_MAX_SECONDS = 90;
    static final String MAX_OPTION = "--warmup-max";

    @Option(names = MAX_OPTION, paramLabel = "SECONDS", defaultValue = "" + DEFAULT_MAX_SECONDS,
            description = "Whole seconds after which a server's warm-up on a workload ends, however busy its JIT (looked"
                    + " at after each slice, so one slice always runs). Default: ${DEFAULT-VALUE}")
    int maxSeconds = DEFAULT_MAX_SECONDS;

    /** One unmeasured slice: its CPU µs per request, its JIT share, its server CPU ticks (-1: unknown). */
    record Slice(double cpuMicrosPerRequest, double jitPercent, long cpuTicks) {
    }

    /** Runs one slice of load on the server and workload being warmed up. */
    interface SliceRun {
        Slice run() throws IOException, InterruptedException;
    }

    /** What one warm-up did: its slices as "99.0 (JIT 40%)", and the server CPU ticks they used. */
    record Result(List<String> slices, long cpuTicks) {
        /** "99.0 (JIT 40%) → 21.0 (JIT 2%) µs/req". */
        String figures() {
            return String.join(" → ", slices) + " µs/req";
        }
    }

    /**
     * Slices until the server has used {@code cpuTargetTicks} and its JIT compiler threads used at
     * most {@link #JIT_QUIET_PERCENT} of the last slice (an unknown share counts as quiet), or a
     * slice has no CPU figure (not Linux: nothing to wait for), or {@link #maxSeconds} have passed.
     */
    Result run(long cpuTargetTicks, SliceRun slices) throws IOException, InterruptedException {
        List<String> figures = new ArrayList<>();
        long cpuUsed = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(maxSeconds).toNanos();
        while (true) {
            Slice slice = slices.run();
            cpuUsed += Math.max(0, slice.cpuTicks());
            figures.add(String.format(Locale.ROOT, "%.1f (JIT %.0f%%)", slice.cpuMicrosPerRequest(), slice.jitPercent()));
            boolean quiet = slice.jitPercent() <= JIT_QUIET_PERCENT; // -1, unknown, counts as quiet
            if (cpuUsed >= cpuTargetTicks && quiet || slice.cpuTicks() < 0 || System.nanoTime() > deadline) {
                return new Result(List.copyOf(figures), cpuUsed);
            }
        }
    }

    /**
     * Refuses a cap that cannot be one: not a positive number of seconds, or below {@code --warmup}
     * (seconds of server CPU in Compare, seconds of each slice in H2Compare), which would end every
     * warm-up before it had its {@code --warmup} seconds. With {@code --warmup 0} there is no
     * warm-up, and only the first rule holds.
     */
    void check(double warmup) {
        if (maxSeconds < 1) {
            throw new IllegalArgumentException(MAX_OPTION + "=" + maxSeconds + " (expected: whole seconds, at least 1)");
        }
        if (warmup > maxSeconds) {
            throw new IllegalArgumentException(MAX_OPTION + "=" + maxSeconds + " (expected: at least --warmup="
                    + BigDecimal.valueOf(warmup).stripTrailingZeros().toPlainString() + ", or the cap ends every"
                    + " warm-up before its --warmup seconds)");
        }
    }

    /**
     * The options a report records: those given, and {@code --warmup-max} with the value used when
     * it was not given, so that a rerun ({@code --same-as}) repeats the cap of this run even if
     * the default changes.
     */
    List<String> recorded(ParseResult parsed) {
        List<String> args = new ArrayList<>(parsed.originalArgs());
        if (!parsed.hasMatchedOption(MAX_OPTION)) {
            args.add(MAX_OPTION + "=" + maxSeconds);
        }
        return args;
    }
}
