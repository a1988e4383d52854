package io.mpool.loadtest.generator;

import io.mpool.server.config.Durations;
import java.net.URI;
import java.time.Duration;

/**
 * One run's settings, checked: a bad value names its flag.
 *
 * @param target     base URL, e.g. http://127.0.0.1:8080, or one with a path (and query) to GET
 *                   instead of a mix, e.g. http://127.0.0.1:8080/bytes/100?x=1
 * @param mix        the {@code --mix} text; null: the default ({@value #DEFAULT_MIX}, or the URL's path)
 * @param rate       requests per second over all connections; 0 = as fast as possible
 * @param keepAlive  false: a new connection per request (connection churn)
 * @param warmup     unmeasured load before the measured run (0: none)
 */
public record LoadSettings(URI target, int connections, int threads, Duration duration, int pipeline, double rate,
                    String mix, int bodySize, int bytesSize, boolean verify, boolean keepAlive, Duration timeout,
                    Duration warmup) {

    /** Runs are bounded: at most an hour. */
    static final Duration MAX_DURATION = Duration.ofHours(1);
    /** The shortest run: a progress line a second, so a tenth of one is already a sketch. */
    static final Duration MIN_DURATION = Duration.ofMillis(100);

    /** What runs when neither {@code --mix} nor a path in {@code --url} says otherwise. */
    static final String DEFAULT_MIX = "hello";

    public LoadSettings {
        if (target == null || !"http".equals(target.getScheme()) || target.getHost() == null) {
            throw new IllegalArgumentException("--url=" + target + " (expected: http://host:port)");
        }
        if (requestTarget(target) != null && mix != null) {
            throw new IllegalArgumentException("--url=" + target + " has a path and --mix=" + mix + " names its own"
                    + " (expected: either a base URL such as http://" + target.getRawAuthority() + " with --mix,"
                    + " or a URL with a path and no --mix)");
        }
        if (requestTarget(target) != null && verify) {
            throw new IllegalArgumentException("--verify with --url=" + target + " (expected: --verify with a base URL"
                    + " and --mix kinds, whose answers it knows byte for byte)");
        }
        if (connections < 1 || connections > 100_000) {
            throw new IllegalArgumentException("--connections=" + connections + " (expected: 1..100000)");
        }
        if (threads < 1 || threads > 64) {
            throw new IllegalArgumentException("--threads=" + threads + " (expected: 1..64)");
        }
        if (duration.compareTo(MIN_DURATION) < 0 || duration.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("--duration=" + Durations.format(duration) + " (expected: 100ms..1h)");
        }
        if (warmup.isNegative() || warmup.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("--warmup=" + Durations.format(warmup) + " (expected: 0..1h)");
        }
        if (pipeline < 1 || pipeline > 1024) {
            throw new IllegalArgumentException("--pipeline=" + pipeline + " (expected: 1..1024)");
        }
        if (!keepAlive && pipeline != 1) {
            throw new IllegalArgumentException("--pipeline=" + pipeline + " with --no-keep-alive (expected: 1)");
        }
        if (rate < 0) {
            throw new IllegalArgumentException("--rate=" + rate + " (expected: >= 0, 0 = as fast as possible)");
        }
        if (bodySize < 0 || bodySize > (64 << 20)) {
            throw new IllegalArgumentException("--body-size=" + bodySize + " (expected: 0..67108864)");
        }
        if (bytesSize < 0 || bytesSize > (64 << 20)) {
            throw new IllegalArgumentException("--bytes-size=" + bytesSize + " (expected: 0..67108864)");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("--timeout=" + Durations.format(timeout) + " (expected: > 0)");
        }
    }

    /**
     * The path and query of {@code --url} as a request target ({@code /bytes/10?x=1}), or null for a
     * base URL (no path, or just {@code /}, and no query): then the mix says what to request.
     */
    static String requestTarget(URI target) {
        String path = target.getRawPath() == null ? "" : target.getRawPath();
        String query = target.getRawQuery();
        if ((path.isEmpty() || "/".equals(path)) && query == null) {
            return null;
        }
        return (path.isEmpty() ? "/" : path) + (query == null ? "" : "?" + query);
    }

    /** The mix to run: {@code --mix}, else the default (a URL with a path is run by {@link RequestMix#get}). */
    String mixOrDefault() {
        return mix == null ? DEFAULT_MIX : mix;
    }

    int port() {
        return target.getPort() > 0 ? target.getPort() : 80;
    }
}
