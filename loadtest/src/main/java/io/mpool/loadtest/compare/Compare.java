package io.mpool.loadtest.compare;

import io.mpool.loadtest.generator.AdminProbe;
import io.mpool.loadtest.generator.LoadResult;
import io.mpool.loadtest.generator.LoadRun;
import io.mpool.loadtest.generator.LoadSettings;
import io.mpool.server.config.Durations;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The side-by-side benchmark: starts mpool ({@code --pool mp}), the same server with
 * {@code --pool undertow}, the stock reference server and nginx (when installed) on loopback, each
 * pinned to the server CPU, then runs every workload interleaved across them, the order rotated each
 * round (A B C, B C A, C A B, ...) so that no server always runs right after the same one,
 * with wrk (when installed) and our generator pinned to the client CPU, and writes the server's
 * CPU time per request, req/s, p99 and heap per request, their medians and ratios to a Markdown
 * report. With {@code --tls}, every server over HTTPS with one certificate made for the run ({@link Https}).
 * {@code java -cp loadtest/target/mpool-loadtest.jar io.mpool.loadtest.compare.Compare --help}
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Side-by-side benchmark of mpool, --pool undertow, stock Undertow and nginx: server CPU µs per"
                + " request (from /proc, server pinned to one CPU, load tool to another), req/s, p99, heap B/request;"
                + " writes a Markdown report.",
                "Repeat an earlier report's measurement against the current build:",
                "  ... Compare --same-as OLD.md --out NEW.md"})
public final class Compare implements Callable<Integer> {
    /**
     * After the load tool stops and before the second CPU sample: the server's share of closing the
     * run's connections belongs to the run. An idle server uses well under a tick in this time.
     */
    static final Duration SETTLE_AFTER_RUN = Duration.ofMillis(500);
    static final String COMMAND_PREFIX = "java -cp loadtest/target/mpool-loadtest.jar " + Compare.class.getName();
    /** The servers' own bound on IO threads (mpool's --io-threads: 1..256). */
    static final int MAX_IO_THREADS = 256;

    @Option(names = "--same-as", paramLabel = "REPORT",
            description = "Run with the options recorded in an earlier report (options given here override them;"
                    + " --out still defaults to " + DEFAULT_OUT + ").")
    Path sameAs;

    @Option(names = "--rounds", defaultValue = "3", description = "Interleaved rounds. Default: ${DEFAULT-VALUE}")
    int rounds;

    @Option(names = {"-d", "--duration"}, defaultValue = "5", converter = WholeSeconds.class,
            description = "Per run: 5, 5s, 1m (whole seconds: wrk takes no less). Default: ${DEFAULT-VALUE}")
    int duration;

    @Option(names = "--warmup", defaultValue = "2",
            description = "Seconds of server CPU each server spends, unmeasured, on each workload before round 1 (first"
                    + " tool, slices of " + WarmUp.SLICE_SECONDS + " s, continued while its JIT compiler threads use more"
                    + " than " + WarmUp.JIT_QUIET_PERCENT + "%% of its CPU, at most " + WarmUp.MAX_OPTION + " s); 0 = none."
                    + " Default: ${DEFAULT-VALUE}")
    double warmup;

    @CommandLine.Mixin
    WarmUp warmUp = new WarmUp();

    @Option(names = "--workloads", split = ",", converter = Workload.Converter.class, paramLabel = "WORKLOAD",
            description = "Workloads by number or id: ${COMPLETION-CANDIDATES}. Default: all.",
            completionCandidates = Workload.Candidates.class)
    List<Workload> workloads;

    @Option(names = "--servers", split = ",", defaultValue = "mp,undertow,reference,nginx",
            description = "Servers: mp, undertow, reference, nginx (skipped when not installed). Default: ${DEFAULT-VALUE}")
    List<String> servers;

    @Option(names = "--tools", split = ",", defaultValue = "wrk,mpool",
            description = "Load tools: wrk (skipped when not installed), mpool (our generator, in this JVM); HTTP/2 with"
                    + " h2load is H2Compare. Default: ${DEFAULT-VALUE}")
    List<String> tools;

    @Option(names = "--io-threads", split = ",", defaultValue = "1", paramLabel = "N",
            description = "IO threads of every server: mp, undertow (--io-threads), reference (setIoThreads) and nginx"
                    + " (worker_processes), e.g. --io-threads 2 --server-cpus 0,1. A list (--io-threads 1,2) runs every"
                    + " server once per count in the same rounds, the ones past the first count named mp@2 and so on,"
                    + " each pinned to the first N of --server-cpus. Default: ${DEFAULT-VALUE}")
    List<Integer> ioThreads;

    @Option(names = "--jvm-option", paramLabel = "FLAG",
            description = "One more flag for every JVM server (repeatable), e.g. --jvm-option=-XX:+UseSerialGC to keep"
                    + " the collector a one-CPU JVM picks when the servers get more CPUs. Default: none")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--no-pin", description = "Do not pin (pinned is the default): servers and load tool share every CPU, and CPU per"
                    + " request is noisier.")
    boolean noPin;

    @Option(names = "--server-cpus", defaultValue = "0", description = "taskset -c list for the servers. Default: ${DEFAULT-VALUE}")
    String serverCpus;

    @Option(names = "--client-cpus", defaultValue = "1",
            description = "taskset -c list for the load tool and this JVM. Default: ${DEFAULT-VALUE}")
    String clientCpus;

    @Option(names = "--tls", description = "Every server over HTTPS with one self-signed certificate made for the run"
            + " (wrk only; default workloads: hello-64, hello-1000, echo-64k, churn-16).")
    boolean tls;

    @Option(names = "--ports", paramLabel = "FIRST", defaultValue = "0",
            description = "Servers listen on FIRST, FIRST+1, ... (0: free ephemeral ports). Default: ${DEFAULT-VALUE}")
    int firstPort;

    @Option(names = "--root", defaultValue = ".", description = "The checkout (jars, scripts). Default: ${DEFAULT-VALUE}")
    Path root;

    /**
     * Under the build's output by default: a trial run must not overwrite the committed report
     * (docs/benchmarks.md), which is regenerated on purpose with {@code --out docs/benchmarks.md}.
     */
    static final String DEFAULT_OUT = "target/benchmarks/benchmarks.md";

    @Option(names = "--out", defaultValue = DEFAULT_OUT, description = "Report file, relative to --root; the committed"
            + " report is docs/benchmarks.md. Default: ${DEFAULT-VALUE}")
    Path out;

    @Option(names = "--include", paramLabel = "FILE",
            description = "A Markdown file, relative to --root, put into the report after the targets (repeatable): e.g."
                    + " the table of loadtest/scripts/idle-memory.py --out, or JMH figures. Default: none")
    List<Path> includes = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code -d 2s}, {@code -d 2}, {@code -d 1m}: whole seconds, at least one. */
    static final class WholeSeconds implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            Duration parsed = Durations.of(text).orElse(null);
            if (parsed == null || parsed.toMillis() % 1000 != 0 || parsed.toSeconds() < 1
                    || parsed.toSeconds() > Integer.MAX_VALUE) {
                throw new CommandLine.TypeConversionException("'" + text + "' (expected: whole seconds, e.g. 5, 5s, 1m)");
            }
            return (int) parsed.toSeconds();
        }
    }

    private Pinning pinning;
    /** Per server and static file, the bytes of one whole answer (head and body), from the check. */
    private final Map<String, Map<String, Integer>> staticAnswerBytes = new LinkedHashMap<>();
    /** The servers' CPUs, to see how much of them other processes took; null unpinned. */
    private CpuSet serverCpuSet;
    /** The run's certificate with --tls, else null. */
    private Https.Certificate certificate;
    /** Ports handed out so far from --ports. */
    private int portsUsed;

    public static void main(String[] args) {
        CommandLine commandLine = new CommandLine(new Compare());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException || e instanceof IOException) {
                cmd.getErr().println("compare: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        String[] expanded;
        try {
            expanded = SameAs.expand(args, commandLine.getCommandSpec());
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("compare: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(commandLine.execute(expanded));
    }

    @Override
    public Integer call() throws Exception {
        warmUp.check(warmup);
        for (int threads : ioThreads) {
            if (threads < 1 || threads > MAX_IO_THREADS || ioThreads.indexOf(threads) != ioThreads.lastIndexOf(threads)) {
                throw new IllegalArgumentException("--io-threads=" + ioThreads.stream().map(String::valueOf)
                        .collect(Collectors.joining(",")) + " (expected: distinct counts of 1.." + MAX_IO_THREADS + ")");
            }
        }
        List<Workload> selected = workloads != null ? workloads
                : tls ? Https.DEFAULT_WORKLOADS.stream().map(Workload::parse).toList() : Workload.ALL;
        if (tls && selected.stream().anyMatch(w -> w.staticFile() != null)) {
            throw new IllegalArgumentException("--workloads=" + selected.stream().map(Workload::id)
                    .collect(Collectors.joining(",")) + " (expected: with --tls, no static-file workload)");
        }
        Path serverJar = root.resolve("server/target/mpool-server.jar");
        Path loadtestJar = root.resolve("loadtest/target/mpool-loadtest.jar");
        for (Path jar : List.of(serverJar, loadtestJar)) {
            if (!Files.isRegularFile(jar)) {
                System.err.println("compare: " + jar + " is missing; build first: mvn -B -q package -DskipTests");
                return 2;
            }
        }
        if (!ProcessCpu.available()) {
            System.out.println("/proc is not readable: no CPU per request in this report");
        }
        pinning = noPin ? Pinning.off() : new Pinning(true, serverCpus, clientCpus);
        serverCpuSet = noPin ? null : CpuSet.parse(serverCpus);
        CpuSet.parse(clientCpus); // a bad list fails here, not in taskset
        String loadBefore = loadAverage();
        pinning.pinThisProcess(); // first, so every thread of this JVM (our generator's too) runs on the client CPUs
        if (tls && tools.contains("mpool")) {
            tools = tools.stream().filter(tool -> !tool.equals("mpool")).toList();
            System.out.println("our generator speaks plain HTTP only: wrk alone measures over HTTPS");
        }
        boolean wrk = tools.contains("wrk") && Wrk.installed();
        if (tools.contains("wrk") && !wrk) {
            System.out.println("wrk is not installed (apt-get install -y wrk): running our generator only");
        }
        List<String> activeTools = new ArrayList<>();
        if (wrk) {
            activeTools.add("wrk");
        }
        if (tools.contains("mpool")) {
            activeTools.add("mpool");
        }
        if (activeTools.isEmpty()) {
            throw new IllegalArgumentException("--tools=" + String.join(",", tools) + " (expected: wrk (installed) and/or mpool;"
                    + " HTTP/2 with h2load: " + H2Compare.COMMAND_PREFIX + ")");
        }
        List<String> sections = new ArrayList<>();
        for (Path include : includes) { // read first: a missing file fails before minutes of runs
            Path file = root.resolve(include);
            if (!Files.isReadable(file)) {
                throw new IllegalArgumentException("--include=" + include + " (expected: a readable file under --root "
                        + root + ")");
            }
            sections.add(Files.readString(file));
        }
        Path work = Files.createTempDirectory("mpool-compare");
        Path staticDir = StaticFiles.write(work.resolve("static"));
        StaticFiles.openToOtherUsers(work, staticDir); // nginx's workers run as another user (nobody) when started as root
        List<ServerProcess> running = new ArrayList<>();
        certificate = tls ? Https.create(work.resolve("tls")) : null;
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            for (int i = 0; i < ioThreads.size(); i++) {
                int threads = ioThreads.get(i);
                for (String server : servers) {
                    ServerProcess process = startServer(server, IoThreadsSection.name(server, threads, ioThreads), threads, java,
                            serverJar, loadtestJar, work, staticDir);
                    if (process != null) {
                        running.add(process);
                    }
                }
            }
            staticAnswerBytes.putAll(StaticFiles.checkAll(selected, running));
            if (tls) {
                Map<String, Https.Agreed> agreed = Https.checkSame(running, work);
                System.out.println("TLS agreed with openssl s_client: " + agreed);
                sections.add(0, Https.reportSection(agreed));
            }
            Map<Workload, List<Measurement>> results = new LinkedHashMap<>();
            List<String> warmups = new ArrayList<>();
            for (Workload workload : selected) {
                System.out.println("== " + workload.name());
                List<Measurement> measurements = new ArrayList<>();
                for (int round = 1; round <= rounds; round++) {
                    for (ServerProcess server : rotated(running, round - 1)) {
                        if (round == 1 && warmup > 0) {
                            warmups.add(workload.id() + " " + server.name + ": " + warmUp(activeTools.get(0), workload, server));
                        }
                        for (String tool : activeTools) {
                            Measurement measurement = measure(tool, workload, server, duration, round);
                            print(measurement);
                            measurements.add(measurement);
                        }
                    }
                }
                results.put(workload, measurements);
            }
            CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
            Path target = root.resolve(out);
            Files.createDirectories(target.toAbsolutePath().getParent());
            Map<String, String> charts = ReportCharts.write(results, target);
            String report = BenchmarkReport.render(results, new BenchmarkReport.Setup(rounds, duration, warmup,
                    warmUp.maxSeconds, warmups, ioThreads, pinning, loadBefore, loadAverage(), running.stream()
                    .map(s -> s.name + ": `" + String.join(" ", s.command).replace(root.toAbsolutePath().normalize() + "/", "")
                            .replace(work.toString(), "$TMP") + "`").toList(),
                    COMMAND_PREFIX + " " + String.join(" ", parsed.originalArgs()), warmUp.recorded(parsed), out.toString(),
                    charts, jvmOptions, sections));
            if (Files.exists(target)) { // keep the hand-written notes below the marker
                String previous = Files.readString(target);
                int notes = previous.indexOf(BenchmarkReport.NOTES_MARKER);
                if (notes >= 0) {
                    report = report + "\n" + previous.substring(notes);
                }
            }
            Files.writeString(target, report, StandardCharsets.UTF_8);
            System.out.println("report written to " + target);
            return 0;
        } finally {
            for (ServerProcess server : running) {
                server.close();
            }
        }
    }

    /**
     * Starts one server of kind {@code kind} (mp, undertow, reference, nginx) as {@code name} with
     * {@code threads} IO threads (nginx: workers); null when nginx is not installed.
     */
    private ServerProcess startServer(String kind, String name, int threads, String java, Path serverJar,
                                      Path loadtestJar, Path work, Path staticDir) throws IOException, InterruptedException {
        int port = nextPort();
        Path log = work.resolve(name + ".log");
        List<String> jvm = new ArrayList<>(List.of(java));
        jvm.addAll(jvmOptions);
        Pinning placement = serverPinning(threads);
        switch (kind) {
            case "mp", "undertow" -> {
                int admin = nextPort();
                jvm.addAll(List.of("-jar", serverJar.toString(), "--host", "127.0.0.1", "--port", String.valueOf(port),
                        "--admin-port", String.valueOf(admin), "--pool", kind, "--io-threads", String.valueOf(threads),
                        "--static-dir", staticDir.toString()));
                int served = tls ? nextPort() : port; // what the load tool connects to
                if (tls) {
                    jvm.addAll(Https.mpoolFlags(certificate, served));
                }
                return ServerProcess.start(name, placement.server(jvm), served, admin, log);
            }
            case "reference" -> {
                int admin = nextPort(); // its ReferenceAdmin: requests and heap, for heap B/request
                int served = tls ? nextPort() : port;
                if (tls) {
                    jvm.addAll(Https.referenceFlags(certificate, served));
                }
                jvm.addAll(List.of("-cp", loadtestJar.toString(), "io.mpool.loadtest.reference.ReferenceServer",
                        String.valueOf(port), String.valueOf(threads), String.valueOf(admin), staticDir.toString()));
                return ServerProcess.start(name, placement.server(jvm), served, admin, log);
            }
            case "nginx" -> {
                Path nginx = Path.of("/usr/sbin/nginx");
                if (!Files.isExecutable(nginx)) {
                    System.out.println("nginx is not installed (apt-get install -y nginx-light): skipping it");
                    return null;
                }
                Path prefix = work.resolve(name);
                Files.createDirectories(prefix);
                String config = nginxConfig(Files.readString(root.resolve("loadtest/nginx/nginx.conf.template")), port,
                        threads, staticDir, certificate);
                Files.writeString(prefix.resolve("nginx.conf"), config);
                return ServerProcess.start(name, placement.server(List.of(nginx.toString(), "-p", prefix.toString(), "-c",
                        prefix.resolve("nginx.conf").toString())), port, -1, log);
            }
            default -> throw new IllegalArgumentException("--servers: unknown server '" + kind
                    + "' (expected: mp, undertow, reference, nginx)");
        }
    }

    /**
     * Where a server with {@code threads} IO threads runs: with one count given, on every server
     * CPU; with several, on the first {@code threads} of them (all, if there are fewer), so that
     * one IO thread and two are measured on one CPU and on two.
     */
    private Pinning serverPinning(int threads) {
        if (!pinning.enabled() || ioThreads.size() == 1) {
            return pinning;
        }
        return new Pinning(true, firstCpus(serverCpus, threads), clientCpus);
    }

    /** The first {@code count} CPUs of a taskset list, as a list ("0-3", 2 → "0,1"). */
    static String firstCpus(String cpus, int count) {
        List<Integer> all = CpuSet.parse(cpus).cpus();
        return all.subList(0, Math.min(count, all.size())).stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    /** The next port from --ports, or a free ephemeral one without it. */
    private int nextPort() throws IOException {
        return firstPort > 0 ? firstPort + portsUsed++ : ServerProcess.freePort();
    }

    /** The nginx template with its placeholders filled in; HTTPS with {@code certificate} (null: plain HTTP). */
    static String nginxConfig(String template, int port, int workers, Path staticDir, Https.Certificate certificate) {
        String[] ssl = Https.nginxDirectives(certificate);
        return template.replace("__PORT__", String.valueOf(port)).replace("__WORKERS__", String.valueOf(workers))
                .replace("__SSL_DIRECTIVES__", ssl[1]).replace("__SSL__", ssl[0])
                .replace("__STATIC_DIR__", staticDir.toAbsolutePath().toString())
                .replace("__KILOBYTE__", "x".repeat(1024));
    }

    /**
     * The warm-up of {@code server} on {@code workload} ({@link WarmUp}) in slices of the first tool until it has
     * used {@code --warmup} s of CPU; returns the slices for the report, e.g. "99.0 (JIT 40%) → 21.0 (JIT 2%) µs/req,
     * 2.1 s CPU".
     */
    private String warmUp(String tool, Workload workload, ServerProcess server) throws IOException, InterruptedException {
        WarmUp.Result result = warmUp.run(Math.round(warmup * ProcessCpu.TICKS_PER_SECOND), () -> {
            Measurement slice = measure(tool, workload, server, WarmUp.SLICE_SECONDS, 0);
            return new WarmUp.Slice(slice.cpuMicrosPerRequest(), slice.jitPercent(), slice.cpuTicks());
        });
        String figures = result.figures() + String.format(Locale.ROOT, ", %.1f s CPU",
                (double) result.cpuTicks() / ProcessCpu.TICKS_PER_SECOND);
        System.out.println("  warm-up    " + server.name + ": " + figures);
        return figures;
    }

    /**
     * One run: admin figures before, server CPU sampled, the tool's run, a settle, CPU sampled
     * again, admin figures after (the admin endpoint's own work stays outside the CPU window).
     */
    /** {@code servers} starting at index {@code by} (modulo its size), wrapping around. */
    static <T> List<T> rotated(List<T> servers, int by) {
        List<T> order = new ArrayList<>(servers);
        if (!order.isEmpty()) {
            Collections.rotate(order, -(by % order.size()));
        }
        return order;
    }

    private Measurement measure(String tool, Workload workload, ServerProcess server, int seconds, int round)
            throws IOException, InterruptedException {
        Integer answerBytes = workload.staticFile() == null ? null
                : staticAnswerBytes.getOrDefault(server.name, Map.of()).get(workload.staticFile());
        if (tool.equals("wrk") && answerBytes != null && MidRunWindow.available()) {
            return MidRunWindow.measure(workload, server, seconds, round, answerBytes, root.resolve("loadtest/wrk"),
                    pinning, serverCpuSet);
        }
        AdminProbe probe = server.adminPort > 0 ? new AdminProbe(URI.create("http://127.0.0.1:" + server.adminPort), null) : null;
        if (probe != null) {
            probe.before();
        }
        CpuSet.Times serverCpusBefore = serverCpuSet == null ? null : serverCpuSet.times();
        long cpuBefore = server.cpuTicks();
        long jitBefore = server.jitTicks();
        ToolRun run = tool.equals("wrk") ? wrk(workload, server, seconds) : ours(workload, server, seconds);
        Thread.sleep(SETTLE_AFTER_RUN.toMillis());
        long cpuAfter = server.cpuTicks();
        long jitAfter = server.jitTicks();
        CpuSet.Times serverCpusAfter = serverCpuSet == null ? null : serverCpuSet.times();
        AdminProbe.Report admin = probe == null ? null : probe.after();
        long ticks = cpuBefore < 0 || cpuAfter < 0 ? -1 : cpuAfter - cpuBefore;
        CpuSet.Times window = serverCpusBefore == null || serverCpusAfter == null ? null : serverCpusAfter.minus(serverCpusBefore);
        return new Measurement(server.name, run.tool, round, run.requests, run.requestsPerSecond, run.p50Micros,
                run.p99Micros, run.errors, ticks, Measurement.cpuMicrosPerRequest(ticks, run.requests),
                Measurement.jitPercent(jitBefore < 0 || jitAfter < 0 ? -1 : jitAfter - jitBefore, ticks),
                Measurement.othersPercent(window, ticks), admin == null ? -1 : admin.heapBytesPerRequest(), admin == null ? -1 : admin.gcCount(), server.rssBytes(),
                run.command, run.latency);
    }

    /** What either tool reports of a run. */
    private record ToolRun(String tool, long requests, double requestsPerSecond, long p50Micros, long p99Micros,
                           long errors, String command, Histogram latency) {
    }

    private ToolRun wrk(Workload workload, ServerProcess server, int seconds) throws IOException, InterruptedException {
        Wrk.Result result = Wrk.run(workload, (tls ? "https" : "http") + "://127.0.0.1:" + server.port, seconds,
                root.resolve("loadtest/wrk"), pinning);
        long responses = result.requests();
        double rate = result.requestsPerSecond();
        Integer answerBytes = workload.staticFile() == null ? null
                : staticAnswerBytes.getOrDefault(server.name, Map.of()).get(workload.staticFile());
        if (answerBytes != null && result.bytesRead() > 0) {
            responses = StaticFiles.answers(result.bytesRead(), answerBytes); // no ss: the bytes wrk read
            rate = responses / (double) seconds;
        }
        return new ToolRun("wrk", responses, rate, result.p50Micros(), result.p99Micros(), result.errors(),
                result.command(), null);
    }

    /** Our generator, in this JVM (pinned with it); no admin sampling during the run, which would cost server CPU. */
    private ToolRun ours(Workload workload, ServerProcess server, int seconds) throws IOException, InterruptedException {
        String path = workload.mix() == null ? workload.path() : ""; // no mix: a plain GET of the path
        LoadSettings settings = new LoadSettings(URI.create("http://127.0.0.1:" + server.port + path),
                workload.connections(), 1, Duration.ofSeconds(seconds), workload.pipeline(), 0, workload.mix(),
                workload.bodySize(), 1024, false, workload.keepAlive(), Duration.ofSeconds(10), Duration.ZERO);
        String command = (pinning.enabled() ? "taskset -c " + pinning.clientCpus() + " " : "")
                + "java -jar loadtest/target/mpool-loadtest.jar -c " + workload.connections() + " -d " + seconds
                + " --pipeline " + workload.pipeline() + (workload.mix() == null ? "" : " --mix " + workload.mix())
                + (workload.bodySize() > 0 ? " --body-size " + workload.bodySize() : "")
                + (workload.keepAlive() ? "" : " --no-keep-alive") + " --url http://127.0.0.1:PORT" + path;
        LoadResult result = LoadRun.run(settings, command, null, null);
        return new ToolRun("mpool-loadtest", result.requests(), result.requestsPerSecond(), result.p50Micros(),
                result.p99Micros(), result.errorCount(), command, result.latency());
    }

    private static void print(Measurement m) {
        System.out.printf(Locale.ROOT, "  round %d %-10s %-15s cpu %7.2f µs/req (%d ticks, JIT %.0f%%, others %.0f%%)"
                        + "  %9.0f req/s  p99 %s  errors %d  heap %.0f B/req%n", m.round(), m.server(), m.tool(),
                m.cpuMicrosPerRequest(), m.cpuTicks(), m.jitPercent(), m.othersPercent(), m.requestsPerSecond(), LoadResult.ms(m.p99Micros()), m.errors(),
                m.heapBytesPerRequest());
    }

    /** The 1, 5 and 15 minute load averages, from /proc/loadavg. */
    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return fields[0] + " / " + fields[1] + " / " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
