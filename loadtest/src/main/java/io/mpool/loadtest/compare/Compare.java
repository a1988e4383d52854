package io.mpool.loadtest.compare;

import io.mpool.loadtest.generator.AdminProbe;
import io.mpool.loadtest.generator.LoadResult;
import io.mpool.loadtest.generator.LoadRun;
import io.mpool.loadtest.generator.LoadSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The side-by-side benchmark: starts mpool ({@code --pool mp}), the same server with
 * {@code --pool undertow}, the stock reference server and nginx (when installed) on loopback, then
 * runs every workload interleaved across them (A B C D, A B C D, ...) with wrk (when installed)
 * and with our generator, and writes the medians and ratios to a Markdown report.
 * {@code java -cp loadtest/target/mpool-loadtest.jar io.mpool.loadtest.compare.Compare --help}
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Side-by-side benchmark of mpool, --pool undertow, stock Undertow and nginx; writes docs/benchmarks.md.")
public final class Compare implements Callable<Integer> {

    @Option(names = "--rounds", defaultValue = "3", description = "Interleaved rounds. Default: ${DEFAULT-VALUE}")
    int rounds;

    @Option(names = "--duration", defaultValue = "5", description = "Seconds per run. Default: ${DEFAULT-VALUE}")
    int duration;

    @Option(names = "--warmup", defaultValue = "3", description = "Seconds of warm-up per server and workload before round 1. Default: ${DEFAULT-VALUE}")
    int warmup;

    @Option(names = "--workloads", split = ",", description = "Workload numbers (1-" + 6 + "); default all.")
    List<Integer> workloads;

    @Option(names = "--servers", split = ",", defaultValue = "mp,undertow,reference,nginx",
            description = "Servers: mp, undertow, reference, nginx (skipped when not installed). Default: ${DEFAULT-VALUE}")
    List<String> servers;

    @Option(names = "--tools", split = ",", defaultValue = "wrk,mpool",
            description = "Load tools: wrk (skipped when not installed), mpool. Default: ${DEFAULT-VALUE}")
    List<String> tools;

    @Option(names = "--io-threads", defaultValue = "1", description = "IO threads of the mpool servers. Default: ${DEFAULT-VALUE}")
    int ioThreads;

    @Option(names = "--root", defaultValue = ".", description = "The checkout (jars, scripts). Default: ${DEFAULT-VALUE}")
    Path root;

    @Option(names = "--out", defaultValue = "docs/benchmarks.md", description = "Report file. Default: ${DEFAULT-VALUE}")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One run's figures. */
    record Measurement(String server, String tool, int round, double requestsPerSecond, long p50Micros, long p99Micros,
                       long errors, double heapBytesPerRequest, long gcCount, long rssBytes, long poolPeakBytes,
                       String command) {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Compare()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path serverJar = root.resolve("server/target/mpool-server.jar");
        Path loadtestJar = root.resolve("loadtest/target/mpool-loadtest.jar");
        for (Path jar : List.of(serverJar, loadtestJar)) {
            if (!Files.isRegularFile(jar)) {
                System.err.println("compare: " + jar + " is missing; build first: mvn -B -q package -DskipTests");
                return 2;
            }
        }
        boolean wrk = tools.contains("wrk") && Wrk.installed();
        if (tools.contains("wrk") && !wrk) {
            System.out.println("wrk is not installed (apt-get install -y wrk): running our generator only");
        }
        List<Workload> selected = new ArrayList<>();
        for (int i = 0; i < Workload.ALL.size(); i++) {
            if (workloads == null || workloads.contains(i + 1)) {
                selected.add(Workload.ALL.get(i));
            }
        }
        Path work = Files.createTempDirectory("mpool-compare");
        List<ServerProcess> running = new ArrayList<>();
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            for (String server : servers) {
                ServerProcess process = startServer(server, java, serverJar, loadtestJar, work);
                if (process != null) {
                    running.add(process);
                }
            }
            Map<Workload, List<Measurement>> results = new LinkedHashMap<>();
            for (Workload workload : selected) {
                System.out.println("== " + workload.name());
                List<Measurement> measurements = new ArrayList<>();
                for (int round = 1; round <= rounds; round++) {
                    for (ServerProcess server : running) {
                        if (server.name.equals("nginx") && !workload.path().equals("/hello") && !workload.path().equals("/echo")) {
                            continue;
                        }
                        if (round == 1 && warmup > 0) {
                            ours(workload, server, warmup, 0, false);
                        }
                        if (wrk) {
                            measurements.add(wrk(workload, server, round));
                        }
                        if (tools.contains("mpool")) {
                            measurements.add(ours(workload, server, duration, round, true));
                        }
                    }
                }
                results.put(workload, measurements);
            }
            String report = BenchmarkReport.render(results, rounds, duration, ioThreads,
                    "java -cp loadtest/target/mpool-loadtest.jar io.mpool.loadtest.compare.Compare "
                            + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
            Path target = root.resolve(out);
            Files.createDirectories(target.toAbsolutePath().getParent());
            if (Files.exists(target)) { // keep the hand-written notes below the marker
                String previous = Files.readString(target);
                int notes = previous.indexOf(BenchmarkReport.NOTES_MARKER);
                if (notes >= 0) {
                    report = report + "\n" + previous.substring(notes);
                }
            }
            Files.writeString(target, report, StandardCharsets.UTF_8);
            System.out.println("report written to " + root.resolve(out));
            return 0;
        } finally {
            for (ServerProcess server : running) {
                server.close();
            }
        }
    }

    private ServerProcess startServer(String name, String java, Path serverJar, Path loadtestJar, Path work)
            throws IOException, InterruptedException {
        int port = ServerProcess.freePort();
        Path log = work.resolve(name + ".log");
        switch (name) {
            case "mp", "undertow" -> {
                int admin = ServerProcess.freePort();
                return ServerProcess.start(name, List.of(java, "-jar", serverJar.toString(), "--host", "127.0.0.1",
                        "--port", String.valueOf(port), "--admin-port", String.valueOf(admin), "--pool", name,
                        "--io-threads", String.valueOf(ioThreads)), port, admin, log);
            }
            case "reference" -> {
                return ServerProcess.start(name, List.of(java, "-cp", loadtestJar.toString(),
                        "io.mpool.loadtest.reference.ReferenceServer", String.valueOf(port)), port, -1, log);
            }
            case "nginx" -> {
                Path nginx = Path.of("/usr/sbin/nginx");
                if (!Files.isExecutable(nginx)) {
                    System.out.println("nginx is not installed (apt-get install -y nginx-light): skipping it");
                    return null;
                }
                Path prefix = work.resolve("nginx");
                Files.createDirectories(prefix);
                String config = Files.readString(root.resolve("loadtest/nginx/nginx.conf.template"))
                        .replace("__PORT__", String.valueOf(port)).replace("__KILOBYTE__", "x".repeat(1024));
                Files.writeString(prefix.resolve("nginx.conf"), config);
                return ServerProcess.start(name, List.of(nginx.toString(), "-p", prefix.toString(), "-c",
                        prefix.resolve("nginx.conf").toString()), port, -1, log);
            }
            default -> throw new IllegalArgumentException("--servers: unknown server '" + name
                    + "' (expected: mp, undertow, reference, nginx)");
        }
    }

    private Measurement wrk(Workload workload, ServerProcess server, int round) throws IOException, InterruptedException {
        AdminProbe probe = server.adminPort > 0 ? new AdminProbe(java.net.URI.create("http://127.0.0.1:" + server.adminPort), null) : null;
        if (probe != null) {
            probe.before();
        }
        Wrk.Result result = Wrk.run(workload, server.port, duration, root.resolve("loadtest/wrk"));
        AdminProbe.Report admin = probe == null ? null : probe.after();
        Measurement measurement = new Measurement(server.name, "wrk", round, result.requestsPerSecond(), result.p50Micros(),
                result.p99Micros(), result.errors(), admin == null ? -1 : admin.heapBytesPerRequest(),
                admin == null ? -1 : admin.gcCount(), server.rssBytes(), -1, result.command());
        print(measurement);
        return measurement;
    }

    private Measurement ours(Workload workload, ServerProcess server, int seconds, int round, boolean record)
            throws IOException, InterruptedException {
        LoadSettings settings = new LoadSettings(java.net.URI.create("http://127.0.0.1:" + server.port), workload.connections(),
                1, Duration.ofSeconds(seconds), workload.pipeline(), 0, workload.mix(), workload.bodySize(), 1024,
                false, workload.keepAlive(), Duration.ofSeconds(10));
        AdminProbe probe = server.adminPort > 0 ? new AdminProbe(java.net.URI.create("http://127.0.0.1:" + server.adminPort), null) : null;
        if (probe != null) {
            probe.before();
        }
        String command = "java -jar loadtest/target/mpool-loadtest.jar -c " + workload.connections() + " -d " + seconds
                + " --pipeline " + workload.pipeline() + " --mix " + workload.mix()
                + (workload.bodySize() > 0 ? " --body-size " + workload.bodySize() : "")
                + (workload.keepAlive() ? "" : " --no-keep-alive") + " --url http://127.0.0.1:PORT";
        LoadResult result = LoadRun.run(settings, command, probe, null);
        AdminProbe.Report admin = probe == null ? null : probe.after();
        Measurement measurement = new Measurement(server.name, "mpool-loadtest", round, result.requestsPerSecond(), result.p50(),
                result.p99(), result.errorCount(), admin == null ? -1 : admin.heapBytesPerRequest(),
                admin == null ? -1 : admin.gcCount(), server.rssBytes(),
                admin == null ? -1 : admin.peakConnectionBytesReserved(), command);
        if (record) {
            print(measurement);
        }
        return measurement;
    }

    private static void print(Measurement m) {
        System.out.printf(java.util.Locale.ROOT, "  round %d %-10s %-15s %10.0f req/s  p50 %s  p99 %s  errors %d  heap %.0f B/req%n",
                m.round(), m.server(), m.tool(), m.requestsPerSecond(), LoadResult.ms(m.p50Micros()),
                LoadResult.ms(m.p99Micros()), m.errors(), m.heapBytesPerRequest());
    }
}
