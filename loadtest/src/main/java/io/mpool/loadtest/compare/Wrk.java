package io.mpool.loadtest.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs wrk (when installed) and reads its summary. */
final class Wrk {
    /** wrk's --timeout for the static-file workloads (the others keep wrk's 2 s). */
    static final String STATIC_FILE_TIMEOUT = "30s";
    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ");
    /** "45040 requests in 2.02s, 5.63MB read": every byte wrk received, of partial responses too (base 1024). */
    private static final Pattern BYTES_READ = Pattern.compile("requests in [^,]+, ([0-9.]+)([KMGT]?)B read");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern SOCKET_ERRORS = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);

    /**
     * One wrk run: responses, req/s and latency percentiles in microseconds, and the command line.
     *
     * @param bytesRead what wrk received, rounded as it prints it (three digits), -1 if it printed none
     */
    record Result(long requests, double requestsPerSecond, long p50Micros, long p99Micros, long errors, long bytesRead,
                  String command) {
    }

    static boolean installed() {
        try {
            return new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start().waitFor() >= 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One run of {@code workload} against {@code origin} ({@code http://127.0.0.1:8080} or https). */
    static Result run(Workload workload, String origin, int seconds, Path scripts, Pinning pinning)
            throws IOException, InterruptedException {
        return start(workload, origin, seconds, scripts, pinning).finish();
    }

    /** A wrk run under way: {@link #finish()} waits for it and reads its summary. */
    record Running(Process process, String command) {
        Result finish() throws IOException, InterruptedException {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor();
            return parse(output, command);
        }
    }

    /** Starts one run of {@code workload} against {@code origin}, as {@link #run} does, and returns while it runs. */
    static Running start(Workload workload, String origin, int seconds, Path scripts, Pinning pinning)
            throws IOException {
        List<String> command = new ArrayList<>(List.of("wrk", "-t1", "-c" + workload.connections(), "-d" + seconds + "s",
                "--latency"));
        if (workload.staticFile() != null) {
            // A 1 MiB file to 1,000 connections takes seconds per round trip on two cores: past wrk's
            // default 2 s timeout those responses would be dropped from the count, not waited for.
            command.add("--timeout");
            command.add(STATIC_FILE_TIMEOUT);
        }
        if (workload.wrkScript() != null) {
            command.add("-s");
            command.add(scripts.resolve(workload.wrkScript()).toString());
        }
        if (!workload.keepAlive()) {
            command.add("-H");
            command.add("Connection: close");
        }
        command.add(origin + workload.path());
        command = pinning.client(command);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        for (String variable : workload.wrkEnv()) {
            String[] kv = variable.split("=", 2);
            builder.environment().put(kv[0], kv[1]);
        }
        Process process = builder.start();
        String env = String.join(" ", workload.wrkEnv());
        return new Running(process, (env.isEmpty() ? "" : env + " ") + String.join(" ", command)
                .replace(scripts.toString(), "loadtest/wrk").replace("Connection: close", "'Connection: close'"));
    }

    /** wrk's summary (with --latency) as a Result; an IOException if it holds no figures. */
    static Result parse(String output, String command) throws IOException {
        Matcher rate = RATE.matcher(output);
        Matcher requests = REQUESTS.matcher(output);
        if (!rate.find() || !requests.find()) {
            throw new IOException("wrk printed no request count or Requests/sec: " + output);
        }
        long p50 = -1;
        long p99 = -1;
        Matcher percentile = PERCENTILE.matcher(output);
        while (percentile.find()) {
            // wrk prints "0.00us" for a percentile its histogram lost (seen with pipelining): unknown, not 0
            long micros = micros(Double.parseDouble(percentile.group(2)), percentile.group(3));
            micros = micros == 0 ? -1 : micros;
            if (percentile.group(1).equals("50")) {
                p50 = micros;
            } else {
                p99 = micros;
            }
        }
        Matcher errors = NON_2XX.matcher(output);
        Matcher socketErrors = SOCKET_ERRORS.matcher(output);
        long errorCount = errors.find() ? Long.parseLong(errors.group(1)) : 0;
        if (socketErrors.find()) {
            for (int g = 1; g <= 4; g++) {
                errorCount += Long.parseLong(socketErrors.group(g));
            }
        }
        Matcher bytes = BYTES_READ.matcher(output);
        long bytesRead = -1;
        if (bytes.find()) {
            int power = bytes.group(2).isEmpty() ? 0 : "KMGT".indexOf(bytes.group(2)) + 1;
            bytesRead = Math.round(Double.parseDouble(bytes.group(1)) * Math.pow(1024, power));
        }
        return new Result(Long.parseLong(requests.group(1)), Double.parseDouble(rate.group(1)), p50, p99, errorCount,
                bytesRead, command);
    }

    private static long micros(double value, String unit) {
        return switch (unit.toLowerCase(Locale.ROOT)) {
            case "us" -> Math.round(value);
            case "ms" -> Math.round(value * 1_000);
            default -> Math.round(value * 1_000_000);
        };
    }
}
