package io.mpool.loadtest.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The HTTP/2 side by side, with h2load: server CPU µs per request on {@code GET /hello} and a
 * 64 KB {@code POST /echo}, at 1 connection × 100 streams and 64 connections × 10 streams, over
 * h2c (prior knowledge, plain listener) and h2 (ALPN, HTTPS listener), for mpool, {@code --pool
 * undertow}, stock Undertow ({@code ReferenceServer} with {@code UndertowOptions.ENABLE_HTTP2} on
 * both listeners) and nginx ({@code listen ... http2}, one worker). Each server pinned to the
 * server CPUs, h2load to the client CPUs, servers rotated each round, as {@link Compare} runs
 * wrk; the report is a Markdown table of medians and ratios.
 * {@code java -cp loadtest/target/mpool-loadtest.jar io.mpool.loadtest.compare.H2Compare --help}
 *
 * <p>nginx here is 1.22: its HTTP/2 is the {@code http2} parameter of {@code listen} (the
 * {@code http2 on} directive came in 1.25.1), on a plain listener h2c by prior knowledge only.
 * Its {@code /echo} reads and discards the body and answers 1 KB, as in {@link Compare}.
 */
@Command(name = "h2compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = "HTTP/2 side by side with h2load: server CPU µs per request of mpool, --pool undertow, stock"
                + " Undertow (ENABLE_HTTP2) and nginx (listen ... http2), h2c and h2; writes a Markdown report.")
public final class H2Compare implements Callable<Integer> {
    static final String COMMAND_PREFIX = "java -cp loadtest/target/mpool-loadtest.jar " + H2Compare.class.getName();
    /** The request body of the echo workloads: 64 KB. */
    static final int ECHO_BODY_BYTES = 64 * 1024;
    /** The request rate assumed for a server's first run on a workload (the warm-up's, unless --warmup 0). */
    static final double FIRST_GUESS_PER_SECOND = 1_000;

    /** One h2load workload: {@code connections} × {@code streams} on {@code path}, over TLS (h2) or not (h2c). */
    record H2Workload(String id, String path, boolean post, int connections, int streams, boolean tls) {
        static final List<H2Workload> ALL = all();

        private static List<H2Workload> all() {
            List<H2Workload> all = new ArrayList<>();
            for (boolean tls : List.of(false, true)) {
                for (boolean post : List.of(false, true)) {
                    for (int[] shape : new int[][] {{1, 100}, {64, 10}}) {
                        all.add(new H2Workload((post ? "echo64k" : "hello") + "-" + shape[0] + "x" + shape[1] + "-"
                                + (tls ? "h2" : "h2c"), post ? "/echo" : "/hello", post, shape[0], shape[1], tls));
                    }
                }
            }
            return List.copyOf(all);
        }

        static H2Workload parse(String id) {
            return ALL.stream().filter(w -> w.id.equals(id)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                    "--workloads=" + id + " (expected: one of " + ALL.stream().map(H2Workload::id)
                            .collect(Collectors.joining(", ")) + ")"));
        }
    }

    /** A started server: its plain (h2c) and HTTPS (h2) ports. */
    private record Running(ServerProcess process, int tlsPort) {
    }

    /** One measured run. */
    record Run(String server, H2Workload workload, int round, long requests, long failed, double cpuMicrosPerRequest,
               double requestsPerSecond, long meanMicros, String command) {
    }

    @Option(names = "--rounds", defaultValue = "3", description = "Interleaved rounds. Default: ${DEFAULT-VALUE}")
    int rounds;

    @Option(names = {"-d", "--duration"}, defaultValue = "5",
            description = "Seconds per run, about: each run asks for as many requests as the server's previous run on"
                    + " the workload answered in this time (h2load -n). Default: ${DEFAULT-VALUE}")
    int duration;

    @Option(names = "--warmup", defaultValue = "2",
            description = "Seconds of unmeasured h2load per server and workload before round 1, repeated while the"
                    + " server's JIT compiler threads use more than " + WarmUp.JIT_QUIET_PERCENT + "%% of its CPU"
                    + " (at most " + WarmUp.MAX_OPTION + " s); 0 = none. Default: ${DEFAULT-VALUE}")
    int warmup;

    @CommandLine.Mixin
    WarmUp warmUp = new WarmUp();

    @Option(names = "--workloads", split = ",", paramLabel = "WORKLOAD",
            description = "Workloads by id (hello-1x100-h2c, echo64k-64x10-h2, ...). Default: all eight.")
    List<String> workloads;

    @Option(names = "--servers", split = ",", defaultValue = "mp,undertow,reference,nginx",
            description = "Servers: mp, undertow, reference, nginx (skipped when not installed). Default: ${DEFAULT-VALUE}")
    List<String> servers;

    @Option(names = "--no-pin", description = "Do not pin: servers and h2load share every CPU.")
    boolean noPin;

    @Option(names = "--server-cpus", defaultValue = "0", description = "taskset -c list for the servers. Default: ${DEFAULT-VALUE}")
    String serverCpus;

    @Option(names = "--client-cpus", defaultValue = "1", description = "taskset -c list for h2load. Default: ${DEFAULT-VALUE}")
    String clientCpus;

    @Option(names = "--ports", paramLabel = "FIRST", defaultValue = "0",
            description = "Servers listen on FIRST, FIRST+1, ... (0: free ephemeral ports). Default: ${DEFAULT-VALUE}")
    int firstPort;

    @Option(names = "--root", defaultValue = ".", description = "The checkout (jars). Default: ${DEFAULT-VALUE}")
    Path root;

    @Option(names = "--out", defaultValue = "target/benchmarks/http2.md",
            description = "Report file, relative to --root. Default: ${DEFAULT-VALUE}")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private int portsUsed;
    /** The last rate (req/s) per server and workload, for the next run's request count. */
    private final Map<String, Double> rates = new LinkedHashMap<>();

    public static void main(String[] args) {
        CommandLine commandLine = new CommandLine(new H2Compare());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException || e instanceof IOException) {
                cmd.getErr().println("h2compare: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        System.exit(commandLine.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (rounds < 1 || duration < 1 || warmup < 0) {
            throw new IllegalArgumentException("--rounds=" + rounds + " --duration=" + duration + " --warmup=" + warmup
                    + " (expected: rounds and duration at least 1, warmup at least 0)");
        }
        warmUp.check(warmup);
        if (!H2load.installed()) {
            throw new IllegalArgumentException("h2load is not installed (expected: apt-get install -y nghttp2-client)");
        }
        List<H2Workload> selected = workloads == null ? H2Workload.ALL
                : workloads.stream().map(H2Workload::parse).toList();
        Pinning pinning = noPin ? Pinning.off() : new Pinning(true, serverCpus, clientCpus);
        Path work = Files.createTempDirectory("mpool-h2compare");
        Https.Certificate certificate = Https.create(work.resolve("tls"));
        Path body = work.resolve("body-64k");
        byte[] bytes = new byte[ECHO_BODY_BYTES];
        new Random(64).nextBytes(bytes);
        Files.write(body, bytes);
        Map<String, Running> running = new LinkedHashMap<>();
        try {
            for (String server : servers) {
                Running started = start(server, pinning, certificate, work);
                if (started != null) {
                    running.put(server, started);
                }
            }
            List<Run> runs = new ArrayList<>();
            for (H2Workload workload : selected) {
                System.out.println("== " + workload.id());
                List<String> names = new ArrayList<>(running.keySet());
                for (int round = 1; round <= rounds; round++) {
                    for (String name : Compare.rotated(names, round - 1)) {
                        Running server = running.get(name);
                        if (round == 1 && warmup > 0) {
                            warmUp(name, server, workload, body, pinning);
                        }
                        Run run = measure(name, server, workload, duration, round, body, pinning);
                        System.out.printf(Locale.ROOT, "  round %d %-10s cpu %8.2f µs/req  %9.0f req/s  mean %d µs"
                                        + "  failed %d%n", round, name, run.cpuMicrosPerRequest(), run.requestsPerSecond(),
                                run.meanMicros(), run.failed());
                        runs.add(run);
                    }
                }
            }
            Path target = root.resolve(out);
            Files.createDirectories(target.toAbsolutePath().getParent());
            String command = COMMAND_PREFIX + " " + String.join(" ", warmUp.recorded(spec.commandLine().getParseResult()));
            Files.writeString(target, report(selected, new ArrayList<>(running.keySet()), runs, command, pinning,
                    warmup, warmUp.maxSeconds), StandardCharsets.UTF_8);
            System.out.println("report written to " + target);
            return 0;
        } finally {
            for (Running server : running.values()) {
                server.process().close();
            }
        }
    }

    /**
     * The warm-up of {@code name} on {@code workload} ({@link WarmUp}) in unmeasured runs of {@code --warmup} s:
     * a JVM still compiling its HTTP/2 path costs several times its warm figure, and a single short warm-up left
     * the first workload's early rounds there.
     */
    private void warmUp(String name, Running server, H2Workload workload, Path body, Pinning pinning)
            throws IOException, InterruptedException {
        WarmUp.Result result = warmUp.run(0, () -> {
            long ticksBefore = server.process().cpuTicks();
            long jitBefore = server.process().jitTicks();
            Run slice = measure(name, server, workload, warmup, 0, body, pinning);
            long ticks = ticksBefore < 0 ? -1 : server.process().cpuTicks() - ticksBefore;
            long jit = jitBefore < 0 ? -1 : server.process().jitTicks() - jitBefore;
            return new WarmUp.Slice(slice.cpuMicrosPerRequest(), Measurement.jitPercent(jit, ticks), ticks);
        });
        System.out.println("  warm-up    " + name + ": " + result.figures());
    }

    private Run measure(String name, Running server, H2Workload workload, int seconds, int round, Path body,
                        Pinning pinning) throws IOException, InterruptedException {
        String url = (workload.tls() ? "https" : "http") + "://127.0.0.1:"
                + (workload.tls() ? server.tlsPort() : server.process().port) + workload.path();
        String key = name + " " + workload.id();
        long requests = requestsFor(rates.getOrDefault(key, FIRST_GUESS_PER_SECOND), seconds, workload);
        long before = server.process().cpuTicks();
        H2load.Result result = H2load.run(url, workload.connections(), workload.streams(), requests,
                workload.post() ? body : null, pinning);
        rates.put(key, result.requestsPerSecond());
        Thread.sleep(Compare.SETTLE_AFTER_RUN.toMillis());
        long after = server.process().cpuTicks();
        String expected = workload.tls() ? "h2" : "h2c";
        if (!result.protocol().equals(expected)) {
            throw new IOException(name + " spoke " + result.protocol() + " to h2load on " + url + " (expected: " + expected
                    + ")");
        }
        long ticks = before < 0 || after < 0 ? -1 : after - before;
        return new Run(name, workload, round, result.done(), result.failed(),
                Measurement.cpuMicrosPerRequest(ticks, result.done()), result.requestsPerSecond(), result.meanMicros(),
                result.command());
    }

    /** A run's request count: {@code seconds} at {@code rate}, and at least two full rounds of every stream. */
    static long requestsFor(double rate, int seconds, H2Workload workload) {
        long least = 2L * workload.connections() * workload.streams();
        return Math.max(least, Math.round(rate * seconds));
    }

    private Running start(String kind, Pinning pinning, Https.Certificate certificate, Path work)
            throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int port = nextPort();
        int tlsPort = nextPort();
        Path log = work.resolve(kind + ".log");
        List<String> command = new ArrayList<>();
        int admin = -1;
        switch (kind) {
            case "mp", "undertow" -> {
                admin = nextPort();
                command.addAll(List.of(java, "-jar", root.resolve("server/target/mpool-server.jar").toString(), "--host",
                        "127.0.0.1", "--port", String.valueOf(port), "--admin-port", String.valueOf(admin), "--pool",
                        kind, "--io-threads", "1"));
                command.addAll(Https.mpoolFlags(certificate, tlsPort));
            }
            case "reference" -> {
                command.addAll(List.of(java, "-Dreference.http2=true"));
                command.addAll(Https.referenceFlags(certificate, tlsPort));
                command.addAll(List.of("-cp", root.resolve("loadtest/target/mpool-loadtest.jar").toString(),
                        "io.mpool.loadtest.reference.ReferenceServer", String.valueOf(port), "1"));
            }
            case "nginx" -> {
                Path nginx = Path.of("/usr/sbin/nginx");
                if (!Files.isExecutable(nginx)) {
                    System.out.println("nginx is not installed (apt-get install -y nginx-light): skipping it");
                    return null;
                }
                Path prefix = work.resolve("nginx");
                Files.createDirectories(prefix);
                Files.writeString(prefix.resolve("nginx.conf"), nginxConfig(port, tlsPort, certificate));
                command.addAll(List.of(nginx.toString(), "-p", prefix.toString(), "-c",
                        prefix.resolve("nginx.conf").toString()));
            }
            default -> throw new IllegalArgumentException("--servers=" + kind
                    + " (expected: mp, undertow, reference, nginx)");
        }
        return new Running(ServerProcess.start(kind, pinning.server(command), port, admin, log), tlsPort);
    }

    /** nginx 1.22 with HTTP/2 on both listeners: {@code listen ... http2} (h2c) and {@code listen ... ssl http2}. */
    static String nginxConfig(int port, int tlsPort, Https.Certificate certificate) {
        String locations = """
                        location = /hello {
                            default_type text/plain;
                            return 200 "hello\\n";
                        }
                        location = /echo {
                            client_max_body_size 100m;
                            client_body_buffer_size 128k;
                            default_type application/octet-stream;
                            return 200 "%s";
                        }
                """.formatted("x".repeat(1024));
        return """
                worker_processes 1;
                daemon off;
                error_log stderr warn;
                pid nginx.pid;
                events {
                    worker_connections 4096;
                }
                http {
                    access_log off;
                    keepalive_requests 10000000;
                    client_body_temp_path body;
                    proxy_temp_path proxy;
                    fastcgi_temp_path fastcgi;
                    uwsgi_temp_path uwsgi;
                    scgi_temp_path scgi;
                    server {
                        listen 127.0.0.1:%d http2 backlog=4096;
                %s    }
                    server {
                        listen 127.0.0.1:%d ssl http2 backlog=4096;
                        ssl_certificate %s;
                        ssl_certificate_key %s;
                        ssl_protocols TLSv1.2 TLSv1.3;
                %s    }
                }
                """.formatted(port, locations, tlsPort, certificate.chain(), certificate.key(), locations);
    }

    private int nextPort() throws IOException {
        return firstPort > 0 ? firstPort + portsUsed++ : ServerProcess.freePort();
    }

    /** Medians per workload and server, mp's ratio to each other server, and every run's command. */
    static String report(List<H2Workload> selected, List<String> names, List<Run> runs, String command, Pinning pinning,
                         int warmup, int warmupMax) {
        StringBuilder md = new StringBuilder("# HTTP/2 side by side (h2load)\n\n`" + command + "`\n\n")
                .append("Server CPU µs per request (median over the rounds, from /proc), h2load's req/s (median). ")
                .append("Pinning: ").append(pinning.describe().replace("wrk", "h2load")).append(".\n\n")
                .append("| workload | ").append(String.join(" | ", names));
        List<String> others = names.stream().filter(n -> !n.equals("mp")).toList();
        boolean withMp = names.contains("mp");
        if (withMp) {
            others.forEach(o -> md.append(" | mp ÷ ").append(o));
        }
        md.append(" |\n|---|").append("---|".repeat(names.size() + (withMp ? others.size() : 0))).append('\n');
        for (H2Workload workload : selected) {
            md.append("| ").append(workload.id());
            Map<String, Double> cpu = new LinkedHashMap<>();
            for (String name : names) {
                List<Run> mine = runs.stream().filter(r -> r.workload().equals(workload) && r.server().equals(name))
                        .toList();
                double micros = median(mine.stream().map(Run::cpuMicrosPerRequest).toList());
                double rate = median(mine.stream().map(Run::requestsPerSecond).toList());
                cpu.put(name, micros);
                long failed = mine.stream().mapToLong(Run::failed).sum();
                md.append(String.format(Locale.ROOT, " | %.1f µs, %.0f req/s%s", micros, rate,
                        failed > 0 ? ", " + failed + " failed" : ""));
            }
            if (withMp) {
                others.forEach(o -> md.append(String.format(Locale.ROOT, " | %.2f×", cpu.get("mp") / cpu.get(o))));
            }
            md.append(" |\n");
        }
        md.append("\nnginx (1.22) speaks HTTP/2 by `listen ... http2` (h2c: prior knowledge) and answers `/echo` with")
                .append(" 1 KB after discarding the body. Each run is h2load `-n` requests, as many as the server")
                .append(" answered in `--duration` seconds in its previous run on the workload (h2load's timed runs over")
                .append(" TLS with 64 connections never exit).")
                .append(warmup == 0 ? " No warm-up (`--warmup 0`)." : " Before round 1, each server warms up on each"
                        + " workload in unmeasured runs of " + warmup + " s until its JIT compiler threads used at most "
                        + WarmUp.JIT_QUIET_PERCENT + "% of its CPU in the last one (at most " + warmupMax + " s, `"
                        + WarmUp.MAX_OPTION + "`).")
                .append("\n\n")
                .append("Commands (the last round):\n\n");
        for (Run run : runs) {
            if (run.round() == runs.stream().mapToInt(Run::round).max().orElse(1)) {
                md.append("- ").append(run.server()).append(' ').append(run.workload().id()).append(": `")
                        .append(run.command().replaceAll("/tmp/mpool-h2compare[0-9]+/", "\\$TMP/")).append("`\n");
            }
        }
        return md.toString();
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }
}
