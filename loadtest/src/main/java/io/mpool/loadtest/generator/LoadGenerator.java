package io.mpool.loadtest.generator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar loadtest/target/mpool-loadtest.jar [options]}: drive a server, report, check. */
@Command(name = "mpool-loadtest", mixinStandardHelpOptions = true, sortOptions = false, version = "mpool 0.1.0",
        description = "HTTP/1.1 load generator: keep-alive (or churn) connections, pipelining, fixed rate with"
                + " coordinated-omission correction, byte-exact verification, admin-endpoint invariants.%n"
                + "Exit codes: 0 ok, 1 errors in the run, 2 bad options, 3 admin invariants broken.")
public final class LoadGenerator implements Callable<Integer> {

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "Server base URL. Default: ${DEFAULT-VALUE}")
    URI url;

    @Option(names = {"-c", "--connections"}, defaultValue = "64", description = "Connections. Default: ${DEFAULT-VALUE}")
    int connections;

    @Option(names = {"-t", "--threads"}, defaultValue = "1", description = "Selector threads. Default: ${DEFAULT-VALUE}")
    int threads;

    @Option(names = {"-d", "--duration"}, defaultValue = "10", description = "Seconds of load (at most 3600). Default: ${DEFAULT-VALUE}")
    int durationSeconds;

    @Option(names = "--pipeline", defaultValue = "1", description = "Requests in flight per connection. Default: ${DEFAULT-VALUE}")
    int pipeline;

    @Option(names = "--rate", defaultValue = "0",
            description = "Requests/s over all connections, latency corrected for coordinated omission; 0 = as fast as possible. Default: ${DEFAULT-VALUE}")
    double rate;

    @Option(names = "--mix", defaultValue = "hello",
            description = "Requests, comma-separated kind[:weight]: hello, echo, upload, bytes. Default: ${DEFAULT-VALUE}")
    String mix;

    @Option(names = "--body-size", defaultValue = "1024", description = "Bytes in echo/upload bodies. Default: ${DEFAULT-VALUE}")
    int bodySize;

    @Option(names = "--bytes-size", defaultValue = "1024", description = "n of GET /bytes/{n}. Default: ${DEFAULT-VALUE}")
    int bytesSize;

    @Option(names = "--verify", description = "Check every response body byte for byte.")
    boolean verify;

    @Option(names = "--no-keep-alive", description = "A new connection per request (connection churn).")
    boolean noKeepAlive;

    @Option(names = "--timeout", defaultValue = "10", description = "Seconds a request may take before it counts as an error. Default: ${DEFAULT-VALUE}")
    int timeoutSeconds;

    @Option(names = "--admin", description = "Admin base URL (e.g. http://127.0.0.1:9090): read /admin/pools before, during and after; fail on broken invariants.")
    URI admin;

    @Option(names = "--admin-token", defaultValue = "${env:MPOOL_ADMIN_TOKEN}", description = "Bearer token for --admin (MPOOL_ADMIN_TOKEN).")
    String adminToken;

    @Option(names = "--report", description = "Write the result as JSON to this file.")
    File report;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        CommandLine commandLine = new CommandLine(new LoadGenerator());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                cmd.getErr().println("mpool-loadtest: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        System.exit(commandLine.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        LoadSettings settings = new LoadSettings(url, connections, threads, Duration.ofSeconds(durationSeconds), pipeline,
                rate, mix, bodySize, bytesSize, verify, !noKeepAlive, Duration.ofSeconds(timeoutSeconds));
        String command = "java -jar loadtest/target/mpool-loadtest.jar " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        AdminProbe probe = admin == null ? null : new AdminProbe(admin, adminToken);
        if (probe != null) {
            probe.before();
        }
        LoadResult result = LoadRun.run(settings, command, probe, System.out);
        if (probe != null) {
            result = result.withAdmin(probe.after());
        }
        System.out.println();
        System.out.print(result.table());
        if (report != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(report, result);
            System.out.println("report written to " + report);
        }
        if (result.admin() != null && !result.admin().invariantsHold()) {
            System.out.println("FAILED: " + result.admin().verdict());
            return 3;
        }
        return result.errorCount() > 0 ? 1 : 0;
    }
}
