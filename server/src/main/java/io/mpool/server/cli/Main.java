package io.mpool.server.cli;

import io.mpool.mempool.DebugOptions;
import io.mpool.mempool.ExhaustionPolicy;
import io.mpool.server.CertificateFiles;
import io.mpool.server.MpoolServer;
import io.mpool.server.MpoolServerBuilder;
import io.mpool.server.config.AccessLogSettings;
import io.mpool.server.config.ConnectionLimits;
import io.mpool.server.config.Durations;
import io.mpool.server.config.OptionConverters;
import io.mpool.server.config.RequestLimits;
import io.mpool.server.config.ServerConfig;
import io.mpool.server.config.ServerFeatures;
import io.mpool.server.config.TlsSettings;
import io.mpool.server.demo.Routes;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar server/target/mpool-server.jar [options]}: flags and environment into
 * {@link MpoolServer#builder()}, running the demo application ({@link Routes}) the way an
 * embedder runs its own. Every default is a constant of {@link ServerConfig} or
 * {@link RequestLimits}, which the help shows.
 */
@Command(name = "mpool-server", mixinStandardHelpOptions = true, versionProvider = Main.BuildVersion.class,
        sortOptions = false,
        description = "HTTP/1.1 and HTTP/2 server on Undertow with an nginx-style memory pool per connection.%n"
                + "Every option also reads the MPOOL_* environment variable named in its description.%n"
                + "Sizes take a k, m or g suffix (powers of 1024); durations ms, s, m or h (a bare number is"
                + " seconds).")
public final class Main implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "${env:MPOOL_HOST:-" + ServerConfig.DEFAULT_HOST + "}",
            description = "Main listener address (MPOOL_HOST). Default: ${DEFAULT-VALUE}")
    String host;

    @Option(names = "--port", defaultValue = "${env:MPOOL_PORT:-" + ServerConfig.DEFAULT_PORT + "}",
            description = "Main listener port, 0 = any free port (MPOOL_PORT). Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--tls-port", defaultValue = "${env:MPOOL_TLS_PORT}",
            description = "HTTPS listener port on --host, beside the plain one; needs --tls-cert and --tls-key, or"
                    + " --tls-keystore (MPOOL_TLS_PORT). Default: none")
    Integer tlsPort;

    @Option(names = "--tls-cert", defaultValue = "${env:MPOOL_TLS_CERT}",
            description = "PEM certificate chain of the HTTPS listener, the server's certificate first (MPOOL_TLS_CERT)")
    Path tlsCert;

    @Option(names = "--tls-key", defaultValue = "${env:MPOOL_TLS_KEY}",
            description = "PEM private key (unencrypted PKCS#8, RSA or EC) of --tls-cert (MPOOL_TLS_KEY)")
    Path tlsKey;

    @Option(names = "--tls-keystore", defaultValue = "${env:MPOOL_TLS_KEYSTORE}",
            description = "PKCS#12 keystore with the HTTPS listener's key and certificate chain, instead of --tls-cert"
                    + " and --tls-key; its password is read from " + KEYSTORE_PASSWORD_VARIABLE + " (MPOOL_TLS_KEYSTORE)")
    Path tlsKeystore;

    @Option(names = "--handshake-timeout",
            defaultValue = "${env:MPOOL_HANDSHAKE_TIMEOUT:-" + TlsSettings.DEFAULT_HANDSHAKE_TIMEOUT + "}",
            description = "How long a client may take to finish its TLS handshake (MPOOL_HANDSHAKE_TIMEOUT)."
                    + " Default: ${DEFAULT-VALUE}")
    Duration handshakeTimeout;

    @Option(names = "--http2", negatable = true, defaultValue = "${env:MPOOL_HTTP2:-true}", fallbackValue = "true",
            description = "HTTP/2 beside HTTP/1.1: h2 by ALPN on the HTTPS listener, h2c with prior knowledge on the"
                    + " main one; --no-http2 turns it off (MPOOL_HTTP2). Default: on")
    boolean http2;

    @Option(names = "--admin-host",
            defaultValue = "${env:MPOOL_ADMIN_HOST:-" + ServerConfig.DEFAULT_ADMIN_HOST + "}",
            description = "Admin listener address; a non-loopback one needs a token (MPOOL_ADMIN_HOST)."
                    + " Default: ${DEFAULT-VALUE}")
    String adminHost;

    @Option(names = "--admin-port",
            defaultValue = "${env:MPOOL_ADMIN_PORT:-" + ServerConfig.DEFAULT_ADMIN_PORT + "}",
            description = "Admin listener port (MPOOL_ADMIN_PORT). Default: ${DEFAULT-VALUE}")
    int adminPort;

    @Option(names = "--admin-token", defaultValue = "${env:MPOOL_ADMIN_TOKEN}",
            description = "Bearer token the admin endpoint requires (MPOOL_ADMIN_TOKEN). Default: none")
    String adminToken;

    @Option(names = "--pool", defaultValue = "${env:MPOOL_POOL:-" + ServerConfig.DEFAULT_POOL + "}",
            description = "mp: a pool per connection; undertow: Undertow's stock pool, for comparison (MPOOL_POOL)."
                    + " Default: ${DEFAULT-VALUE}")
    ServerConfig.PoolKind pool;

    @Option(names = "--buffer-size",
            defaultValue = "${env:MPOOL_BUFFER_SIZE:-" + ServerConfig.DEFAULT_BUFFER_SIZE + "}",
            description = "Bytes in each Undertow buffer (MPOOL_BUFFER_SIZE). Default: ${DEFAULT-VALUE}")
    long bufferSize;

    @Option(names = "--arena-max",
            defaultValue = "${env:MPOOL_ARENA_MAX:-" + ServerConfig.DEFAULT_ARENA_MAX + "}",
            description = "Bound on direct memory of the shared page arena (MPOOL_ARENA_MAX)."
                    + " Default: ${DEFAULT-VALUE}")
    long arenaMax;

    @Option(names = "--arena-policy",
            defaultValue = "${env:MPOOL_ARENA_POLICY:-" + ServerConfig.DEFAULT_ARENA_POLICY + "}",
            description = "At the arena bound: fail (refuse, counted) or fallback (unpooled buffer, counted)"
                    + " (MPOOL_ARENA_POLICY). Default: ${DEFAULT-VALUE}")
    ExhaustionPolicy arenaPolicy;

    @Option(names = "--scrub", arity = "1",
            defaultValue = "${env:MPOOL_SCRUB:-" + ServerConfig.DEFAULT_SCRUB + "}",
            description = "Zero a page or block before a different connection takes it; a connection taking back"
                    + " its own skips the memset (MPOOL_SCRUB). Default: ${DEFAULT-VALUE}")
    boolean scrub;

    @Option(names = "--connection-max-bytes",
            defaultValue = "${env:MPOOL_CONNECTION_MAX_BYTES:-" + ServerConfig.DEFAULT_CONNECTION_MAX_BYTES + "}",
            description = "Most pool memory one connection may hold (MPOOL_CONNECTION_MAX_BYTES)."
                    + " Default: ${DEFAULT-VALUE}")
    long connectionMaxBytes;

    @Option(names = "--io-threads", converter = CommandLineConverters.IoThreads.class,
            defaultValue = "${env:MPOOL_IO_THREADS:-" + ServerConfig.DEFAULT_IO_THREADS + "}",
            description = "XNIO IO threads; auto: one per available processor (MPOOL_IO_THREADS)."
                    + " Default: ${DEFAULT-VALUE}")
    int ioThreads;

    @Option(names = "--worker-threads",
            defaultValue = "${env:MPOOL_WORKER_THREADS:-" + ServerConfig.DEFAULT_WORKER_THREADS + "}",
            description = "Worker threads for blocking handlers (MPOOL_WORKER_THREADS). Default: ${DEFAULT-VALUE}")
    int workerThreads;

    @Option(names = "--max-body-size",
            defaultValue = "${env:MPOOL_MAX_BODY_SIZE:-" + RequestLimits.DEFAULT_MAX_BODY_SIZE + "}",
            description = "Largest request body accepted (larger: 413, before it is read when announced), 0 = no"
                    + " limit; a whole body past --body-in-memory-max takes this much disk, so the default is"
                    + " --body-temp-max's (MPOOL_MAX_BODY_SIZE). Default: ${DEFAULT-VALUE}")
    long maxBodySize;

    @Option(names = "--body-in-memory-max",
            defaultValue = "${env:MPOOL_BODY_IN_MEMORY_MAX:-" + RequestLimits.DEFAULT_BODY_IN_MEMORY_MAX + "}",
            description = "A whole body read by /json or /echo?mode=full stays in the connection's pool up to this"
                    + " many bytes (at most half of --connection-max-bytes), past it it goes to a temp file"
                    + " (MPOOL_BODY_IN_MEMORY_MAX). Default: ${DEFAULT-VALUE}")
    long bodyInMemoryMax;

    @Option(names = "--body-temp-dir",
            defaultValue = "${env:MPOOL_BODY_TEMP_DIR:-${sys:java.io.tmpdir}}",
            description = "Directory for the temp files of bodies past --body-in-memory-max; each is deleted when its"
                    + " request's memory is reset, its connection closes, or the server stops"
                    + " (MPOOL_BODY_TEMP_DIR). Default: the JVM's temp dir (${DEFAULT-VALUE})")
    Path bodyTempDir;

    @Option(names = "--body-memory-total",
            defaultValue = "${env:MPOOL_BODY_MEMORY_TOTAL:-" + RequestLimits.DEFAULT_BODY_MEMORY_TOTAL + "}",
            description = "Pool memory all whole bodies held in memory may take together; past it a new body goes to"
                    + " a temp file at once; 0 = a quarter of --arena-max (MPOOL_BODY_MEMORY_TOTAL)."
                    + " Default: ${DEFAULT-VALUE}")
    long bodyMemoryTotal;

    @Option(names = "--body-temp-max",
            defaultValue = "${env:MPOOL_BODY_TEMP_MAX:-" + RequestLimits.DEFAULT_BODY_TEMP_MAX + "}",
            description = "Bytes all live temp files of bodies may hold together; a body that would pass it gets"
                    + " 503; 0 = no limit (MPOOL_BODY_TEMP_MAX). Default: ${DEFAULT-VALUE}")
    long bodyTempMax;

    @Option(names = "--max-request-line",
            defaultValue = "${env:MPOOL_MAX_REQUEST_LINE:-" + RequestLimits.DEFAULT_MAX_REQUEST_LINE + "}",
            description = "Longest request line; longer gets 414 (MPOOL_MAX_REQUEST_LINE). Default: ${DEFAULT-VALUE}")
    long maxRequestLine;

    @Option(names = "--max-header-size",
            defaultValue = "${env:MPOOL_MAX_HEADER_SIZE:-" + RequestLimits.DEFAULT_MAX_HEADER_SIZE + "}",
            description = "Largest request head (request line and headers); larger gets 431 (MPOOL_MAX_HEADER_SIZE)."
                    + " Default: ${DEFAULT-VALUE}")
    long maxHeaderSize;

    @Option(names = "--read-timeout",
            defaultValue = "${env:MPOOL_READ_TIMEOUT:-" + RequestLimits.DEFAULT_READ_TIMEOUT + "}",
            description = "How long a read may wait for data before the connection is closed (MPOOL_READ_TIMEOUT)."
                    + " Default: ${DEFAULT-VALUE}")
    Duration readTimeout;

    @Option(names = "--write-timeout",
            defaultValue = "${env:MPOOL_WRITE_TIMEOUT:-" + RequestLimits.DEFAULT_WRITE_TIMEOUT + "}",
            description = "How long a write may wait for the client to read before the connection is closed"
                    + " (MPOOL_WRITE_TIMEOUT). Default: ${DEFAULT-VALUE}")
    Duration writeTimeout;

    @Option(names = "--parse-timeout",
            defaultValue = "${env:MPOOL_PARSE_TIMEOUT:-" + RequestLimits.DEFAULT_PARSE_TIMEOUT + "}",
            description = "How long a request head may take to arrive (slowloris) (MPOOL_PARSE_TIMEOUT)."
                    + " Default: ${DEFAULT-VALUE}")
    Duration parseTimeout;

    @Option(names = "--idle-timeout",
            defaultValue = "${env:MPOOL_IDLE_TIMEOUT:-" + RequestLimits.DEFAULT_IDLE_TIMEOUT + "}",
            description = "How long a keep-alive connection may wait for its next request (MPOOL_IDLE_TIMEOUT)."
                    + " Default: ${DEFAULT-VALUE}")
    Duration idleTimeout;

    @Option(names = "--min-body-rate",
            defaultValue = "${env:MPOOL_MIN_BODY_RATE:-" + RequestLimits.DEFAULT_MIN_BODY_RATE + "}",
            description = "Bytes/s a request body must average after its first " + RequestLimits.BODY_RATE_GRACE_SECONDS
                    + " s, else 408; 0 = off (MPOOL_MIN_BODY_RATE). Default: ${DEFAULT-VALUE}")
    long minBodyRate;

    @Option(names = "--max-blocking-requests",
            defaultValue = "${env:MPOOL_MAX_BLOCKING_REQUESTS:-" + RequestLimits.DEFAULT_MAX_BLOCKING_REQUESTS + "}",
            description = "Blocking handlers (echo?mode=blocking) running at once; more get 503"
                    + " (MPOOL_MAX_BLOCKING_REQUESTS). Default: ${DEFAULT-VALUE}")
    int maxBlockingRequests;

    @Option(names = "--max-connections", converter = CommandLineConverters.Limit.class,
            defaultValue = "${env:MPOOL_MAX_CONNECTIONS:-" + ServerConfig.DEFAULT_MAX_CONNECTIONS + "}",
            description = "Main-listener connections open at once; more get 503 at accept. auto: the file descriptor"
                    + " limit less the descriptors open at start, " + ConnectionLimits.ADMIN_MAX_CONNECTIONS + " for the admin"
                    + " listener and " + ConnectionLimits.SPARE_FDS + " spare (MPOOL_MAX_CONNECTIONS)."
                    + " Default: ${DEFAULT-VALUE}")
    int maxConnections;

    @Option(names = "--max-unfinished-heads", converter = CommandLineConverters.Limit.class,
            defaultValue = "${env:MPOOL_MAX_UNFINISHED_HEADS:-" + ServerConfig.DEFAULT_MAX_UNFINISHED_HEADS + "}",
            description = "Connections that have not sent a complete request head yet; more get 503 at accept."
                    + " auto: min(max-connections / 2, arena-max / (2 * (4096 + buffer-size)))"
                    + " (MPOOL_MAX_UNFINISHED_HEADS). Default: ${DEFAULT-VALUE}")
    int maxUnfinishedHeads;

    @Option(names = "--max-unfinished-heads-per-ip", converter = CommandLineConverters.Limit.class,
            defaultValue = "${env:MPOOL_MAX_UNFINISHED_HEADS_PER_IP:-" + ServerConfig.DEFAULT_MAX_UNFINISHED_HEADS_PER_IP
                    + "}",
            description = "Of those, connections from one client address; more get 503 at accept. auto:"
                    + " min(max-unfinished-heads, max(" + ConnectionLimits.MIN_AUTO_HEADS_PER_IP
                    + ", max-unfinished-heads / 4)) (MPOOL_MAX_UNFINISHED_HEADS_PER_IP). Default: ${DEFAULT-VALUE}")
    int maxUnfinishedHeadsPerIp;

    @Option(names = "--debug", split = ",", defaultValue = "${env:MPOOL_DEBUG}",
            description = "Allocator debug modes, comma-separated: poison, no-pooling, paranoid, leak-tracking"
                    + " (MPOOL_DEBUG). Default: none")
    List<String> debug;

    @Option(names = "--health-check",
            description = "Do not serve: ask the server at --admin-host:--admin-port (GET /admin/health/ready, with"
                    + " --admin-token) and at --host:--port (GET /hello; a wildcard host on loopback); exit 0 if"
                    + " ready and serving, else 1 with the reason (for container health checks)")
    boolean healthCheck;

    @Option(names = "--shutdown-grace",
            defaultValue = "${env:MPOOL_SHUTDOWN_GRACE:-" + ServerConfig.DEFAULT_SHUTDOWN_GRACE + "}",
            description = "How long in-flight requests get to finish on SIGTERM (MPOOL_SHUTDOWN_GRACE)."
                    + " Default: ${DEFAULT-VALUE}")
    Duration shutdownGrace;

    @Option(names = "--admin-page-window",
            defaultValue = "${env:MPOOL_ADMIN_PAGE_WINDOW:-" + ServerConfig.DEFAULT_ADMIN_PAGE_WINDOW + "}",
            description = "How often /metrics and each /admin/pools page may be built; clients asking within it"
                    + " get the last build, Cache-Control: no-cache waits for a new one; 0 = a build per request"
                    + " (MPOOL_ADMIN_PAGE_WINDOW). Default: ${DEFAULT-VALUE}")
    Duration adminPageWindow;

    @Option(names = "--log-level", defaultValue = "${env:MPOOL_LOG_LEVEL:-" + Logging.DEFAULT_LEVEL + "}",
            description = "Log level: error, warn, info, debug, trace, off or all (MPOOL_LOG_LEVEL); with"
                    + " -Djava.util.logging.config.file=<file> that file decides, unless this is given."
                    + " Default: ${DEFAULT-VALUE}")
    Level logLevel;

    @Option(names = "--access-log",
            defaultValue = "${env:MPOOL_ACCESS_LOG:-" + ServerConfig.DEFAULT_ACCESS_LOG + "}",
            description = "A line per request: off, stderr, stdout or a file to append to (MPOOL_ACCESS_LOG);"
                    + " kill -USR1 reopens the file after logrotate moved it. Default: ${DEFAULT-VALUE}")
    String accessLog;

    @Option(names = "--access-log-format",
            defaultValue = "${env:MPOOL_ACCESS_LOG_FORMAT:-" + AccessLogSettings.DEFAULT_FORMAT + "}",
            description = "The access log's lines: combined (nginx's), common, json (with connection, duration"
                    + " and pool bytes) or mpool (MPOOL_ACCESS_LOG_FORMAT). Default: ${DEFAULT-VALUE}")
    String accessLogFormat;

    @Option(names = "--trusted-proxies", defaultValue = "${env:MPOOL_TRUSTED_PROXIES:-}",
            description = "Addresses and CIDR blocks (e.g. 10.0.0.0/8,::1) whose X-Forwarded-For or Forwarded"
                    + " header names the client in the access log (MPOOL_TRUSTED_PROXIES). Default: none")
    String trustedProxies;

    @Option(names = "--request-metrics", negatable = true,
            defaultValue = "${env:MPOOL_REQUEST_METRICS:-" + ServerFeatures.DEFAULT_REQUEST_METRICS + "}",
            fallbackValue = "true",
            description = "http_server_requests_seconds on /metrics, by method, status, outcome and route"
                    + " (MPOOL_REQUEST_METRICS). Default: ${DEFAULT-VALUE}")
    boolean requestMetrics;

    @Option(names = "--gzip", negatable = true, defaultValue = "${env:MPOOL_GZIP:-" + ServerFeatures.DEFAULT_GZIP + "}",
            fallbackValue = "true",
            description = "gzip text responses of 1 KiB or more for clients that accept it (MPOOL_GZIP)."
                    + " Default: ${DEFAULT-VALUE}")
    boolean gzip;

    @Option(names = "--static-dir", defaultValue = "${env:MPOOL_STATIC_DIR}",
            description = "Serve the files of this directory under /static/ (ranges, ETag, If-Modified-Since)"
                    + " (MPOOL_STATIC_DIR). Default: none")
    Path staticDir;

    @Spec
    CommandSpec spec;

    /** The environment variable the PKCS#12 keystore's password is read from (never a flag: ps shows flags). */
    static final String KEYSTORE_PASSWORD_VARIABLE = "MPOOL_TLS_KEYSTORE_PASSWORD";

    public static void main(String[] args) {
        Logging.install();
        System.exit(commandLine().execute(args));
    }

    /** The command line with its error handling: a bad value exits 2 with one line naming it. */
    static CommandLine commandLine() {
        return commandLine(new Main());
    }

    static CommandLine commandLine(Main main) {
        CommandLine commandLine = CommandLineConverters.register(new CommandLine(main));
        // Every usage error: two lines (what is wrong, naming the setting as given; the hint),
        // exit 2. A server that cannot start for another reason (a port in use): one line, exit 1.
        commandLine.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            UsageErrors errors = new UsageErrors(e.getCommandLine().getCommandSpec(), List.of(args),
                    UsageErrors.systemEnvironment());
            if (e.getCause() instanceof OptionConverters.BadValue bad && e.getArgSpec() instanceof OptionSpec option) {
                err.println(UsageErrors.PREFIX + errors.badValue(option, e.getValue(), bad.getMessage()));
            } else if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
                err.println(UsageErrors.PREFIX + UsageErrors.unmatched(unmatched));
            } else {
                err.println(UsageErrors.PREFIX + e.getMessage());
            }
            err.println(UsageErrors.HINT);
            return 2;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                UsageErrors errors = new UsageErrors(cmd.getCommandSpec(), parsed.originalArgs(),
                        UsageErrors.systemEnvironment());
                cmd.getErr().println(UsageErrors.PREFIX + errors.setting(e.getMessage()));
                cmd.getErr().println(UsageErrors.HINT);
                return 2;
            }
            if (e instanceof IOException) {
                cmd.getErr().println(UsageErrors.PREFIX + e.getMessage());
                return 1;
            }
            throw e;
        });
        return commandLine;
    }

    @Override
    public Integer call() throws Exception {
        if (healthCheck) {
            return HealthCheck.run(host, port, adminHost, adminPort, adminToken, System.out, System.err);
        }
        MpoolServerBuilder builder = builder();
        if (spec.commandLine().getParseResult().hasMatchedOption("--log-level")
                || System.getenv(UsageErrors.variable(spec.findOption("--log-level"))) != null
                || !Logging.configFileGiven()) {
            Logging.setLevel(logLevel);
        }
        MpoolServer server = builder.build();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        // Hooked before start: a SIGTERM that arrives while the listeners bind still stops gracefully.
        Thread hook = new Thread(() -> {
            Logger.getLogger(Main.class.getName()).info("mpool stopping (SIGTERM or SIGINT): no new connections;"
                    + " in-flight requests get up to " + Durations.format(shutdownGrace));
            awaitUninterruptibly(started);
            server.stop(shutdownGrace); // logs the summary
            ShutdownLogManager.resetAtExit();
            stopped.countDown();
        }, "mpool-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            unhook(hook);
            throw e;
        } finally {
            started.countDown();
        }
        LogReopenSignal.install(server);
        stopped.await();
        return 0;
    }

    /** A server that did not start has nothing to stop (and no SIGTERM to report). */
    private static void unhook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running already: it stops what start left
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (latch.getCount() > 0) {
            try {
                latch.await();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The flags, as settings of the server running the demo application. */
    MpoolServerBuilder builder() {
        String token = adminToken;
        if (token == null && !ServerConfig.isLoopback(adminHost)) {
            // Reachable from outside (e.g. through docker run -p) but never open: a fresh secret,
            // printed once.
            token = AdminTokens.generate();
            Logger.getLogger(Main.class.getName()).warning("--admin-host=" + adminHost + " is not loopback and no"
                    + " --admin-token was given: generated admin token " + token
                    + " (send it as 'Authorization: Bearer <token>'; set MPOOL_ADMIN_TOKEN to choose your own)");
        }
        MpoolServerBuilder builder = MpoolServer.builder();
        if (tlsPort != null) {
            builder.addHttpsListener(tlsPort, host, tlsCertificate(System.getenv(KEYSTORE_PASSWORD_VARIABLE)))
                    .setHandshakeTimeout(handshakeTimeout);
        } else if (tlsCert != null || tlsKey != null || tlsKeystore != null) {
            throw new IllegalArgumentException("--tls-port is not set (expected: a port for the HTTPS listener, with"
                    + " --tls-cert/--tls-key or --tls-keystore)");
        }
        return builder
                .addHttpListener(port, host)
                .setHandler(new Routes(staticDir))
                .setAdminListener(adminPort, adminHost, token)
                .setPoolKind(pool == ServerConfig.PoolKind.MP ? MpoolServer.PoolKind.MP : MpoolServer.PoolKind.UNDERTOW)
                .setBufferSize(saturatedInt(bufferSize))
                .setArena(arenaMax, arenaPolicy)
                .setScrub(scrub)
                .setConnectionMaxBytes(connectionMaxBytes)
                .setIoThreads(ioThreads)
                .setWorkerThreads(workerThreads)
                .setMaxBodySize(maxBodySize)
                .setMaxHead(saturatedInt(maxRequestLine), saturatedInt(maxHeaderSize))
                .setTimeouts(readTimeout, writeTimeout, parseTimeout, idleTimeout)
                .setMinBodyRate(minBodyRate)
                .setMaxBlockingRequests(maxBlockingRequests)
                .setRequestBodies(bodyInMemoryMax, bodyTempDir)
                .setRequestBodyBudgets(bodyMemoryTotal, bodyTempMax)
                .setConnectionLimits(maxConnections, maxUnfinishedHeads)
                .setMaxUnfinishedHeadsPerIp(maxUnfinishedHeadsPerIp)
                .setDebug(debugOptions(debug))
                .setAccessLog(accessLog)
                .setAccessLogFormat(accessLogFormat)
                .setTrustedProxies(trustedProxies)
                .setRequestMetrics(requestMetrics)
                .setGzip(gzip)
                .setShutdownGrace(shutdownGrace)
                .setAdminPageWindow(adminPageWindow)
                .setHttp2(http2);
    }

    /** The HTTPS listener's certificate and key, from the PEM files or the keystore (read again when they change). */
    CertificateFiles tlsCertificate(String keystorePassword) {
        if (tlsKeystore != null) {
            if (tlsCert != null || tlsKey != null) {
                throw new IllegalArgumentException("--tls-keystore=" + tlsKeystore + " (expected: either it or"
                        + " --tls-cert and --tls-key, not both)");
            }
            if (keystorePassword == null) {
                throw new IllegalArgumentException("--tls-keystore=" + tlsKeystore + " (expected: its password in the"
                        + " environment variable " + KEYSTORE_PASSWORD_VARIABLE + ")");
            }
            return CertificateFiles.pkcs12(tlsKeystore, keystorePassword.toCharArray());
        }
        if (tlsCert == null || tlsKey == null) {
            throw new IllegalArgumentException("--tls-port=" + tlsPort + " (expected: --tls-cert and --tls-key, or"
                    + " --tls-keystore)");
        }
        return CertificateFiles.pem(tlsCert, tlsKey);
    }

    /**
     * A size for an {@code int} component: one past every bound keeps its range check (and its
     * message, with the range) in the config records, which then name the value as typed.
     */
    private static int saturatedInt(long bytes) {
        return (int) Math.min(bytes, Integer.MAX_VALUE);
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

    /**
     * {@code -V}: the version this jar was built as ({@code 0.1.0-SNAPSHOT} for a snapshot), which
     * Maven writes into {@value #RESOURCE} at build time, so it cannot drift from the pom.
     */
    static final class BuildVersion implements CommandLine.IVersionProvider {
        static final String RESOURCE = "/io/mpool/server/version.properties";

        @Override
        public String[] getVersion() throws IOException {
            return new String[] {"mpool " + version()};
        }

        static String version() throws IOException {
            Properties properties = new Properties();
            try (InputStream in = Main.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IOException(RESOURCE + " is missing from the build");
                }
                properties.load(in);
            }
            return properties.getProperty("version");
        }
    }
}
