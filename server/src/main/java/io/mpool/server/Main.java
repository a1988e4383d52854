package io.mpool.server;

import io.mpool.mempool.DebugOptions;
import io.mpool.mempool.ExhaustionPolicy;
import io.mpool.server.admin.AdminTokens;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code java -jar server/target/mpool-server.jar [options]}: flags and environment to a {@link ServerConfig}. */
@Command(name = "mpool-server", mixinStandardHelpOptions = true, version = "mpool 0.1.0",
        sortOptions = false,
        description = "HTTP/1.1 server on Undertow with an nginx-style memory pool per connection.%n"
                + "Every option also reads the MPOOL_* environment variable named in its description.%n"
                + "Sizes take a k, m or g suffix (powers of 1024).")
public final class Main implements Callable<Integer> {

    @Option(names = "--host", defaultValue = "${env:MPOOL_HOST:-0.0.0.0}",
            description = "Main listener address (MPOOL_HOST). Default: ${DEFAULT-VALUE}")
    String host;

    @Option(names = "--port", defaultValue = "${env:MPOOL_PORT:-8080}",
            description = "Main listener port, 0 = any free port (MPOOL_PORT). Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--admin-host", defaultValue = "${env:MPOOL_ADMIN_HOST:-127.0.0.1}",
            description = "Admin listener address; a non-loopback one needs a token (MPOOL_ADMIN_HOST). Default: ${DEFAULT-VALUE}")
    String adminHost;

    @Option(names = "--admin-port", defaultValue = "${env:MPOOL_ADMIN_PORT:-9090}",
            description = "Admin listener port (MPOOL_ADMIN_PORT). Default: ${DEFAULT-VALUE}")
    int adminPort;

    @Option(names = "--admin-token", defaultValue = "${env:MPOOL_ADMIN_TOKEN}",
            description = "Bearer token the admin endpoint requires (MPOOL_ADMIN_TOKEN). Default: none")
    String adminToken;

    @Option(names = "--pool", defaultValue = "${env:MPOOL_POOL:-mp}",
            description = "mp: a pool per connection; undertow: Undertow's stock pool, for comparison (MPOOL_POOL). Default: ${DEFAULT-VALUE}")
    String pool;

    @Option(names = "--buffer-size", defaultValue = "${env:MPOOL_BUFFER_SIZE:-16k}",
            description = "Bytes in each Undertow buffer (MPOOL_BUFFER_SIZE). Default: ${DEFAULT-VALUE}")
    String bufferSize;

    @Option(names = "--arena-max", defaultValue = "${env:MPOOL_ARENA_MAX:-256m}",
            description = "Bound on direct memory of the shared page arena (MPOOL_ARENA_MAX). Default: ${DEFAULT-VALUE}")
    String arenaMax;

    @Option(names = "--arena-policy", defaultValue = "${env:MPOOL_ARENA_POLICY:-fail}",
            description = "At the arena bound: fail (refuse, counted) or fallback (unpooled buffer, counted) (MPOOL_ARENA_POLICY). Default: ${DEFAULT-VALUE}")
    String arenaPolicy;

    @Option(names = "--scrub", defaultValue = "${env:MPOOL_SCRUB:-true}", arity = "1",
            description = "Zero pages when they return to the arena (MPOOL_SCRUB). Default: ${DEFAULT-VALUE}")
    boolean scrub;

    @Option(names = "--connection-max-bytes", defaultValue = "${env:MPOOL_CONNECTION_MAX_BYTES:-8m}",
            description = "Most pool memory one connection may hold (MPOOL_CONNECTION_MAX_BYTES). Default: ${DEFAULT-VALUE}")
    String connectionMaxBytes;

    @Option(names = "--io-threads", defaultValue = "${env:MPOOL_IO_THREADS:-1}",
            description = "XNIO IO threads (MPOOL_IO_THREADS). Default: ${DEFAULT-VALUE}")
    int ioThreads;

    @Option(names = "--worker-threads", defaultValue = "${env:MPOOL_WORKER_THREADS:-16}",
            description = "Worker threads for blocking handlers (MPOOL_WORKER_THREADS). Default: ${DEFAULT-VALUE}")
    int workerThreads;

    @Option(names = "--max-body-size", defaultValue = "${env:MPOOL_MAX_BODY_SIZE:-0}",
            description = "Largest request body accepted, 0 = no limit: the routes stream bodies through a few pool buffers (MPOOL_MAX_BODY_SIZE). Default: ${DEFAULT-VALUE}")
    String maxBodySize;

    @Option(names = "--max-request-line", defaultValue = "${env:MPOOL_MAX_REQUEST_LINE:-8k}",
            description = "Longest request line; longer gets 414 (MPOOL_MAX_REQUEST_LINE). Default: ${DEFAULT-VALUE}")
    String maxRequestLine;

    @Option(names = "--max-header-size", defaultValue = "${env:MPOOL_MAX_HEADER_SIZE:-64k}",
            description = "Largest request head (request line and headers); larger gets 431 (MPOOL_MAX_HEADER_SIZE). Default: ${DEFAULT-VALUE}")
    String maxHeaderSize;

    @Option(names = "--read-timeout", defaultValue = "${env:MPOOL_READ_TIMEOUT:-30}",
            description = "Seconds a read may wait for data before the connection is closed (MPOOL_READ_TIMEOUT). Default: ${DEFAULT-VALUE}")
    int readTimeoutSeconds;

    @Option(names = "--write-timeout", defaultValue = "${env:MPOOL_WRITE_TIMEOUT:-60}",
            description = "Seconds a write may wait for the client to read before the connection is closed (MPOOL_WRITE_TIMEOUT). Default: ${DEFAULT-VALUE}")
    int writeTimeoutSeconds;

    @Option(names = "--parse-timeout", defaultValue = "${env:MPOOL_PARSE_TIMEOUT:-10}",
            description = "Seconds a request head may take to arrive (slowloris) (MPOOL_PARSE_TIMEOUT). Default: ${DEFAULT-VALUE}")
    int parseTimeoutSeconds;

    @Option(names = "--idle-timeout", defaultValue = "${env:MPOOL_IDLE_TIMEOUT:-60}",
            description = "Seconds a keep-alive connection may wait for its next request (MPOOL_IDLE_TIMEOUT). Default: ${DEFAULT-VALUE}")
    int idleTimeoutSeconds;

    @Option(names = "--min-body-rate", defaultValue = "${env:MPOOL_MIN_BODY_RATE:-1k}",
            description = "Bytes/s a request body must average after its first 5 s, else 408; 0 = off (MPOOL_MIN_BODY_RATE). Default: ${DEFAULT-VALUE}")
    String minBodyRate;

    @Option(names = "--max-blocking-requests", defaultValue = "${env:MPOOL_MAX_BLOCKING_REQUESTS:-8}",
            description = "Blocking handlers (echo?mode=blocking) running at once; more get 503 (MPOOL_MAX_BLOCKING_REQUESTS). Default: ${DEFAULT-VALUE}")
    int maxBlockingRequests;

    @Option(names = "--debug", split = ",", defaultValue = "${env:MPOOL_DEBUG}",
            description = "Allocator debug modes, comma-separated: poison, no-pooling, paranoid, leak-tracking (MPOOL_DEBUG)")
    List<String> debug;

    @Option(names = "--health-check",
            description = "Do not serve: GET /hello on 127.0.0.1:--port and exit 0 if it answers 200, else 1 (for container health checks)")
    boolean healthCheck;

    @Option(names = "--shutdown-grace", defaultValue = "${env:MPOOL_SHUTDOWN_GRACE:-10}",
            description = "Seconds in-flight requests get to finish on SIGTERM (MPOOL_SHUTDOWN_GRACE). Default: ${DEFAULT-VALUE}")
    int shutdownGraceSeconds;

    public static void main(String[] args) {
        configureLogging();
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                cmd.getErr().println("mpool-server: " + e.getMessage());
                cmd.getErr().println("Try --help for the options.");
                return 2;
            }
            if (e instanceof IOException) {
                cmd.getErr().println("mpool-server: cannot start: " + e);
                return 1;
            }
            throw e;
        });
        System.exit(commandLine.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (healthCheck) {
            return HealthCheck.run(port);
        }
        ServerConfig config = toConfig();
        MpoolServer server = new MpoolServer(config).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Duration grace = Duration.ofSeconds(shutdownGraceSeconds);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // JUL's own shutdown hook may already have closed the log handlers: print directly.
            String summary = server.stop(grace);
            System.err.println(java.time.LocalDateTime.now() + " INFO    [mpool-shutdown] " + summary);
            stopped.countDown();
        }, "mpool-shutdown"));
        stopped.await();
        return 0;
    }

    ServerConfig toConfig() {
        if (shutdownGraceSeconds < 0) {
            throw new IllegalArgumentException("--shutdown-grace=" + shutdownGraceSeconds + " (expected: >= 0 seconds)");
        }
        String token = adminToken;
        if (token == null && !ServerConfig.isLoopback(adminHost)) {
            // Reachable from outside (e.g. through docker run -p) but never open: a fresh secret,
            // printed once.
            token = AdminTokens.generate();
            Logger.getLogger(Main.class.getName()).warning("--admin-host=" + adminHost + " is not loopback and no"
                    + " --admin-token was given: generated admin token " + token
                    + " (send it as 'Authorization: Bearer <token>'; set MPOOL_ADMIN_TOKEN to choose your own)");
        }
        return new ServerConfig(host, port, adminHost, adminPort, token, poolKind(pool),
                intSize("--buffer-size", bufferSize),
                Sizes.parse("--arena-max", arenaMax), policy(arenaPolicy), scrub,
                Sizes.parse("--connection-max-bytes", connectionMaxBytes), ioThreads, workerThreads,
                limits(), debugOptions(debug));
    }

    private RequestLimits limits() {
        return new RequestLimits(Sizes.parse("--max-body-size", maxBodySize), intSize("--max-request-line", maxRequestLine),
                intSize("--max-header-size", maxHeaderSize), Duration.ofSeconds(readTimeoutSeconds),
                Duration.ofSeconds(writeTimeoutSeconds), Duration.ofSeconds(parseTimeoutSeconds),
                Duration.ofSeconds(idleTimeoutSeconds), Sizes.parse("--min-body-rate", minBodyRate), maxBlockingRequests);
    }

    private static int intSize(String flag, String value) {
        long bytes = Sizes.parse(flag, value);
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(flag + "=" + value + " (expected: at most " + Integer.MAX_VALUE + " bytes)");
        }
        return (int) bytes;
    }

    private static ServerConfig.PoolKind poolKind(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "mp" -> ServerConfig.PoolKind.MP;
            case "undertow" -> ServerConfig.PoolKind.UNDERTOW;
            default -> throw new IllegalArgumentException("--pool=" + value + " (expected: mp or undertow)");
        };
    }

    private static ExhaustionPolicy policy(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "fail" -> ExhaustionPolicy.FAIL;
            case "fallback" -> ExhaustionPolicy.FALLBACK;
            default -> throw new IllegalArgumentException("--arena-policy=" + value + " (expected: fail or fallback)");
        };
    }

    static DebugOptions debugOptions(List<String> modes) {
        DebugOptions options = DebugOptions.FROM_SYSTEM_PROPERTIES;
        if (modes == null) {
            return options;
        }
        for (String mode : modes) {
            switch (mode.trim().toLowerCase(Locale.ROOT)) {
                case "" -> { }
                case "poison" -> options = options.withPoison(true);
                case "no-pooling" -> options = options.withNoPooling(true);
                case "paranoid" -> options = options.withParanoid(true);
                case "leak-tracking" -> options = options.withLeakTracking(true);
                default -> throw new IllegalArgumentException("--debug=" + mode
                        + " (expected: poison, no-pooling, paranoid or leak-tracking)");
            }
        }
        return options;
    }

    /** One line per record: time, level, logger, message. */
    static void configureLogging() {
        System.setProperty("org.jboss.logging.provider", "jdk");
        System.setProperty("java.util.logging.SimpleFormatter.format",
                "%1$tF %1$tT.%1$tL %4$-7s [%3$s] %5$s%6$s%n");
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        ConsoleHandler console = new ConsoleHandler();
        console.setFormatter(new SimpleFormatter());
        console.setLevel(Level.ALL);
        root.addHandler(console);
        root.setLevel(Level.INFO);
    }
}
