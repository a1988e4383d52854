package io.mpool.loadtest.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs h2load (Debian {@code nghttp2-client}) and reads its summary: HTTP/2 load, h2c by prior
 * knowledge on {@code http://} and h2 by ALPN on {@code https://}, {@code -c} connections with
 * {@code -m} concurrent streams each for {@code -n} requests in all.
 *
 * <p>By count, not by time ({@code -D}): h2load 1.52's timed runs over TLS with 64 connections
 * stop their clients at the end and then never exit (against Undertow's HTTP/2, stock or ours;
 * with 4 connections, or by count, they do), and a timed run ends with up to {@code -c × -m}
 * streams under way whose CPU counts and whose requests do not. A run of {@code -n} requests is
 * measured whole; the caller picks the count from the rate of an earlier run.
 */
final class H2load {
    /** "requests: 264 total, 364 started, 264 done, 264 succeeded, 0 failed, 0 errored, 0 timeout". */
    private static final Pattern REQUESTS = Pattern.compile(
            "requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored");
    private static final Pattern STATUS = Pattern.compile("status codes: (\\d+) 2xx, (\\d+) 3xx, (\\d+) 4xx, (\\d+) 5xx");
    private static final Pattern RATE = Pattern.compile("finished in [^,]+, ([0-9.]+) req/s");
    /** "time for request:      732us     15.01ms      4.66ms ...": min, max, mean. */
    private static final Pattern TIME_FOR_REQUEST = Pattern.compile(
            "time for request:\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)");
    private static final Pattern PROTOCOL = Pattern.compile("Application protocol: (\\S+)");

    private H2load() {
    }

    /**
     * One run's figures.
     *
     * @param done        streams that finished within the run
     * @param failed      streams that failed or errored, and answers with a 4xx or 5xx status
     * @param meanMicros  h2load's mean time for a request (it prints no percentiles)
     * @param protocol    what h2load says it spoke ({@code h2c}, {@code h2})
     */
    record Result(long done, long failed, double requestsPerSecond, long meanMicros, String protocol, String command) {
    }

    static boolean installed() {
        try {
            return new ProcessBuilder("h2load", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code requests} to {@code url} over {@code connections} × {@code streams}; POSTs {@code body} when not null. */
    static Result run(String url, int connections, int streams, long requests, Path body, Pinning pinning)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("h2load", "-t1", "-c" + connections, "-m" + streams,
                "-n" + requests));
        if (body != null) {
            command.add("-d");
            command.add(body.toString());
        }
        command.add(url);
        command = pinning.client(command);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        return parse(output, String.join(" ", command));
    }

    /** h2load's summary as a Result; an IOException if it holds no request count. */
    static Result parse(String output, String command) throws IOException {
        Matcher requests = REQUESTS.matcher(output);
        Matcher rate = RATE.matcher(output);
        if (!requests.find() || !rate.find()) {
            throw new IOException("h2load printed no request count or req/s: " + output);
        }
        Matcher time = TIME_FOR_REQUEST.matcher(output);
        long mean = time.find() ? micros(time.group(3)) : -1;
        Matcher protocol = PROTOCOL.matcher(output);
        Matcher status = STATUS.matcher(output);
        long refused = status.find() ? Long.parseLong(status.group(3)) + Long.parseLong(status.group(4)) : 0;
        return new Result(Long.parseLong(requests.group(3)),
                Long.parseLong(requests.group(5)) + Long.parseLong(requests.group(6)) + refused,
                Double.parseDouble(rate.group(1)), mean, protocol.find() ? protocol.group(1) : "none", command);
    }

    /** h2load's durations ({@code 732us}, {@code 15.01ms}, {@code 1.2s}) in microseconds. */
    static long micros(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.endsWith("us")) {
            return Math.round(Double.parseDouble(lower.substring(0, lower.length() - 2)));
        }
        if (lower.endsWith("ms")) {
            return Math.round(Double.parseDouble(lower.substring(0, lower.length() - 2)) * 1_000);
        }
        if (lower.endsWith("s")) {
            return Math.round(Double.parseDouble(lower.substring(0, lower.length() - 1)) * 1_000_000);
        }
        throw new IllegalArgumentException("h2load time=" + text + " (expected: a number with us, ms or s)");
    }
}
