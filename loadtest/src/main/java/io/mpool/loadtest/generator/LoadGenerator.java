package io.mpool.loadtest.generator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.HdrHistogram.HistogramLogWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar loadtest/target/mpool-loadtest.jar [options]}: drive a server, report, check. */
@Command(name = "mpool-loadtest", mixinStandardHelpOptions = true, sortOptions = false,
        versionProvider = LoadGenerator.BuildVersion.class,
        description = "HTTP/1.1 load generator: keep-alive (or churn) connections, pipelining, fixed rate with"
                + " coordinated-omission correction, byte-exact verification, admin-endpoint invariants.%n"
                + "Exit codes: 0 ok, 1 errors in the run (or the server unreachable: one message, the run stops), 2 bad options,"
                + " 3 admin invariants broken.")
public final class LoadGenerator implements Callable<Integer> {

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "Server base URL for --mix; a URL with a"
            + " path (and query), e.g. http://127.0.0.1:8080/bytes/100, is what every request GETs instead. Default: ${DEFAULT-VALUE}")
    URI url;

    @Option(names = {"-c", "--connections"}, defaultValue = "64", description = "Connections. Default: ${DEFAULT-VALUE}")
    int connections;

    @Option(names = {"-t", "--threads"}, defaultValue = "1", description = "Selector threads. Default: ${DEFAULT-VALUE}")
    int threads;

    @Option(names = {"-d", "--duration"}, defaultValue = "10s", converter = DurationConverter.class,
            description = "Measured load: 2s, 500ms, 1m (a bare number is seconds; at most 1h). Default: ${DEFAULT-VALUE}")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "0s", converter = DurationConverter.class,
            description = "Unmeasured load before the measured run (new connections for the run). Default: ${DEFAULT-VALUE}")
    Duration warmup;

    @Option(names = "--pipeline", defaultValue = "1", description = "Requests in flight per connection. Default: ${DEFAULT-VALUE}")
    int pipeline;

    @Option(names = "--rate", defaultValue = "0",
            description = "Requests/s over all connections, latency corrected for coordinated omission; 0 = as fast as possible. Default: ${DEFAULT-VALUE}")
    double rate;

    @Option(names = "--mix",
            description = "Requests, comma-separated kind[:weight]: hello (GET /hello), echo (POST /echo, streamed),"
                    + " echo-full (POST /echo?mode=full, whole body first), upload (POST /upload), json (POST /json),"
                    + " bytes (GET /bytes/{n}). Default: hello, or a GET of --url's path when it has one.")
    String mix;

    @Option(names = "--body-size", defaultValue = "1024", description = "Bytes in echo/upload bodies. Default: ${DEFAULT-VALUE}")
    int bodySize;

    @Option(names = "--bytes-size", defaultValue = "1024", description = "n of GET /bytes/{n}. Default: ${DEFAULT-VALUE}")
    int bytesSize;

    @Option(names = "--verify", description = "Check every response body byte for byte.")
    boolean verify;

    @Option(names = "--no-keep-alive", description = "A new connection per request (connection churn).")
    boolean noKeepAlive;

    @Option(names = "--timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long a request may take before it counts as an error. Default: ${DEFAULT-VALUE}")
    Duration timeout;

    @Option(names = "--admin", description = "Admin base URL (e.g. http://127.0.0.1:9090): read /admin/pools before, during and after; fail on broken invariants.")
    URI admin;

    @Option(names = "--admin-token", defaultValue = "${env:MPOOL_ADMIN_TOKEN}", description = "Bearer token for --admin (MPOOL_ADMIN_TOKEN).")
    String adminToken;

    @Option(names = "--report", description = "Write the result as JSON to this file, and beside it (same name, other"
            + " extension) the latency as an HdrHistogram log (.hlog: one histogram a second, each request kind tagged)"
            + " and percentile spectrum (.hgrm, milliseconds).")
    Path report;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The .hgrm file is in milliseconds, as HdrHistogram's plotter expects; we record microseconds. */
    private static final double MICROS_PER_MILLI = 1000.0;

    /** {@code run.json} -> {@code run.hlog}: the report's name with another extension. */
    static Path beside(Path report, String extension) {
        String name = report.getFileName().toString();
        String base = name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
        return report.resolveSibling(base + extension);
    }

    public static void main(String[] args) {
        CommandLine commandLine = new CommandLine(new LoadGenerator());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                cmd.getErr().println("mpool-loadtest: " + e.getMessage());
                return 2;
            }
            if (e instanceof ServerUnreachableException) {
                cmd.getErr().println("mpool-loadtest: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        System.exit(commandLine.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        LoadSettings settings = new LoadSettings(url, connections, threads, duration, pipeline,
                rate, mix, bodySize, bytesSize, verify, !noKeepAlive, timeout, warmup);
        String command = "java -jar loadtest/target/mpool-loadtest.jar " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        AdminProbe probe = admin == null ? null : new AdminProbe(admin, adminToken);
        if (probe != null) {
            probe.before();
        }
        LoadResult result;
        if (report == null) {
            result = LoadRun.run(settings, command, probe, System.out);
        } else {
            try (PrintStream hlog = new PrintStream(Files.newOutputStream(beside(report, ".hlog")), false,
                    StandardCharsets.UTF_8)) {
                HistogramLogWriter log = new HistogramLogWriter(hlog);
                log.outputComment("mpool-loadtest latency in microseconds; untagged: all requests, tagged: one kind");
                result = LoadRun.run(settings, command, probe, System.out, log);
            }
        }
        if (probe != null) {
            result = result.withAdmin(probe.after());
        }
        System.out.println();
        System.out.print(result.table());
        if (report != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(report.toFile(), result);
            try (PrintStream hgrm = new PrintStream(Files.newOutputStream(beside(report, ".hgrm")), false,
                    StandardCharsets.UTF_8)) {
                result.latency().outputPercentileDistribution(hgrm, MICROS_PER_MILLI);
            }
            System.out.println("report written to " + report + " (latency: " + beside(report, ".hlog") + ", "
                    + beside(report, ".hgrm") + ")");
        }
        if (result.stoppedEarly() != null) {
            return 1;
        }
        if (result.admin() != null && !result.admin().invariantsHold()) {
            System.out.println("FAILED: " + result.admin().verdict());
            return 3;
        }
        return result.errorCount() > 0 ? 1 : 0;
    }

    /** {@code -V}: the version this jar was built as, which Maven writes into {@value #RESOURCE}. */
    static final class BuildVersion implements CommandLine.IVersionProvider {
        static final String RESOURCE = "/io/mpool/loadtest/version.properties";

        @Override
        public String[] getVersion() throws IOException {
            Properties properties = new Properties();
            try (InputStream in = LoadGenerator.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IOException(RESOURCE + " is missing from the build");
                }
                properties.load(in);
            }
            return new String[] {"mpool-loadtest " + properties.getProperty("version")};
        }
    }
}
