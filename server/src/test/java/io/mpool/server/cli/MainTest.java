package io.mpool.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.mempool.ExhaustionPolicy;
import io.mpool.server.TestServers;
import io.mpool.server.config.RequestLimits;
import io.mpool.server.config.ServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The command line: converters for sizes and durations, their error messages, and the help. */
class MainTest {

    @Test
    void http2IsOnByDefaultAndNoHttp2TurnsItOff() {
        Assumptions.assumeTrue(System.getenv("MPOOL_HTTP2") == null, "MPOOL_HTTP2 is set in this environment");
        assertTrue(parse().http2);
        assertFalse(parse("--no-http2").http2);
        assertTrue(parse("--http2").http2);
    }

    @Test
    void noFlagsGiveTheDocumentedDefaults() {
        Assumptions.assumeTrue(System.getenv().keySet().stream().noneMatch(k -> k.startsWith("MPOOL_")),
                "MPOOL_* variables are set in this environment");
        ServerConfig config = TestServers.config(parse().builder());
        assertEquals("0.0.0.0", config.host());
        assertEquals(8080, config.port());
        assertEquals("127.0.0.1", config.adminHost());
        assertEquals(9090, config.adminPort());
        assertEquals(ServerConfig.PoolKind.MP, config.pool());
        assertEquals(16 * 1024, config.bufferSize());
        assertEquals(256L << 20, config.arenaMaxBytes());
        assertEquals(ExhaustionPolicy.FAIL, config.arenaPolicy());
        assertTrue(config.scrub());
        assertEquals(8L << 20, config.connectionMaxBytes());
        assertEquals(Math.min(Runtime.getRuntime().availableProcessors(), ServerConfig.MAX_IO_THREADS), config.ioThreads());
        assertEquals(16, config.workerThreads());
        assertEquals(new RequestLimits(1L << 30, 8 * 1024, 64 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(60),
                Duration.ofSeconds(10), Duration.ofSeconds(60), 1024, 8, 1L << 20,
                Path.of(System.getProperty("java.io.tmpdir")), 0, 1L << 30), config.limits());
        ServerConfig d = ServerConfig.defaults(ServerConfig.DEFAULT_PORT, ServerConfig.DEFAULT_ADMIN_PORT);
        assertEquals(new ServerConfig(ServerConfig.DEFAULT_HOST, d.port(), d.adminHost(), d.adminPort(), d.adminToken(),
                d.pool(), d.bufferSize(), d.arenaMaxBytes(), d.arenaPolicy(), d.scrub(), d.connectionMaxBytes(),
                d.ioThreads(), d.workerThreads(), d.limits(), d.debug(), d.maxConnections(), d.maxUnfinishedHeads(),
                d.maxUnfinishedHeadsPerIp(), d.accessLog(), d.features()), config,
                "the command line and the embedding API (bar its loopback main listener) agree");
    }

    @ParameterizedTest(name = "--io-threads={0}")
    @CsvSource({"1, 1", "3, 3", "256, 256"})
    void anExplicitIoThreadCountIsKept(String value, int threads) {
        assertEquals(threads, TestServers.config(parse("--io-threads=" + value).builder()).ioThreads());
    }

    @Test
    void thePerAddressUnfinishedHeadLimitReachesTheServer() {
        assertEquals(5, TestServers.config(parse("--max-unfinished-heads-per-ip=5").builder()).maxUnfinishedHeadsPerIp());
        assertEquals(0, TestServers.config(parse("--max-unfinished-heads-per-ip=auto").builder())
                .maxUnfinishedHeadsPerIp());
    }

    @Test
    void autoIoThreadsIsOnePerAvailableProcessor() {
        assertEquals(Math.min(Runtime.getRuntime().availableProcessors(), ServerConfig.MAX_IO_THREADS),
                TestServers.config(parse("--io-threads=auto").builder()).ioThreads());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
        "--buffer-size, 16384, 16384",
        "--buffer-size, 16k, 16384",
        "--buffer-size, 1M, 1048576",
        "--arena-max, 256m, 268435456",
        "--arena-max, 1g, 1073741824",
        "--min-body-rate, 0, 0",
    })
    void sizesTakeASuffix(String flag, String value, long bytes) {
        Main main = parse(flag + "=" + value);
        ServerConfig config = TestServers.config(main.builder());
        long parsed = switch (flag) {
            case "--buffer-size" -> config.bufferSize();
            case "--arena-max" -> config.arenaMaxBytes();
            default -> config.limits().minBodyRate();
        };
        assertEquals(bytes, parsed);
    }

    @ParameterizedTest(name = "--read-timeout={0}")
    @CsvSource({"500ms, 500", "30s, 30000", "30, 30000", "2m, 120000", "1h, 3600000"})
    void durationsTakeAUnitAndABareNumberIsSeconds(String value, long millis) {
        assertEquals(Duration.ofMillis(millis), TestServers.config(parse("--read-timeout=" + value).builder()).limits().readTimeout());
        assertEquals(Duration.ofMillis(millis), parse("--shutdown-grace", value).shutdownGrace);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--buffer-size=abc      | --buffer-size=abc (expected: bytes, e.g. 16384, 16k, 256m, 1g)",
        "--buffer-size=16kb     | --buffer-size=16kb (expected: bytes, e.g. 16384, 16k, 256m, 1g)",
        "--buffer-size=-1       | --buffer-size=-1 (expected: bytes, e.g. 16384, 16k, 256m, 1g)",
        "--buffer-size=4g       | --buffer-size=4g (expected: 512 bytes..1 MiB)",
        "--buffer-size=99g      | --buffer-size=99g (expected: 512 bytes..1 MiB)",
        "--buffer-size=2m       | --buffer-size=2m (expected: 512 bytes..1 MiB)",
        "--arena-max=9999999999g | --arena-max=9999999999g (expected: bytes, e.g. 16384, 16k, 256m, 1g)",
        "--read-timeout=5x      | --read-timeout=5x (expected: a duration, e.g. 500ms, 30s, 2m; a bare number is seconds)",
        "--idle-timeout=ms      | --idle-timeout=ms (expected: a duration, e.g. 500ms, 30s, 2m; a bare number is seconds)",
        "--shutdown-grace=-1s   | --shutdown-grace=-1s (expected: a duration, e.g. 500ms, 30s, 2m; a bare number is seconds)",
        "--read-timeout=0ms     | --read-timeout=0ms (expected: 1ms..2147483647ms)",
        "--idle-timeout=0       | --idle-timeout=0 (expected: 1ms..2147483647ms)",
        "--pool=stock           | --pool=stock (expected: mp or undertow)",
        "--arena-policy=drop    | --arena-policy=drop (expected: fail or fallback)",
        "--scrub=yes            | --scrub=yes (expected: true or false)",
        "--port=http            | --port=http (expected: a whole number)",
        "--port=70000           | --port=70000 (expected: 0..65535, 0 = any free port)",
        "--buffer-size=256      | --buffer-size=256 (expected: 512 bytes..1 MiB)",
        "--max-request-line=32  | --max-request-line=32 (expected: 64 bytes..1 MiB)",
        "--max-header-size=99g  | --max-header-size=99g (expected: 8 KiB..16 MiB, at least --max-request-line)",
        "--arena-max=1k         | --arena-max=1k (expected: at least 64 KiB)",
        "--connection-max-bytes=0x10 | --connection-max-bytes=0x10 (expected: bytes, e.g. 16384, 16k, 256m, 1g)",
        "--connection-max-bytes=1k | --connection-max-bytes=1k (expected: 20 KiB..256 MiB, at least one buffer plus a"
                + " node and at most --arena-max)",
        "--io-threads=0         | --io-threads=0 (expected: 1..256)",
        "--io-threads=many      | --io-threads=many (expected: a whole number, or auto (one per available processor))",
        "--static-dir=/no/such/dir | --static-dir=/no/such/dir (expected: an existing, readable directory)",
        "--log-level=loud       | --log-level=loud (expected: error, warn, info, debug, trace, off or all (or a"
                + " java.util.logging level: severe, warning, config, fine, finer, finest))",
        "--access-log=/nonexistent-dir/access.log | --access-log=/nonexistent-dir/access.log (expected: off, stderr,"
                + " stdout or a file in an existing directory)",
        "--access-log-format=xml | --access-log-format=xml (expected: common, combined, json or mpool)",
        "--trusted-proxies=proxy.local | --trusted-proxies=proxy.local (expected: comma-separated addresses or CIDR"
                + " blocks, e.g. 10.0.0.0/8,192.168.1.10,fd00::/8; not an address: proxy.local)",
        "--debug=verbose        | --debug=verbose (expected: poison, no-pooling, paranoid or leak-tracking)",
        "--body-in-memory-max=-1 | --body-in-memory-max=-1 (expected: bytes, e.g. 16384, 16k, 256m, 1g)",
        "--body-in-memory-max=2g | --body-in-memory-max=2g (expected: 0..1073741824 bytes, 0 = every non-empty body to a temp file)",
        "--body-temp-dir=/no/such/dir | --body-temp-dir=/no/such/dir (expected: an existing, writable directory)",
        "--max-connections=lots | --max-connections=lots (expected: a whole number, or auto)",
        "--max-connections=-5   | --max-connections=-5 (expected: >= 1, or auto (0): derived from the file descriptor limit)",
        "--max-unfinished-heads=-1 | --max-unfinished-heads=-1 (expected: >= 1, or auto (0): derived from --max-connections and --arena-max)",
        "--max-unfinished-heads-per-ip=-1 | --max-unfinished-heads-per-ip=-1 (expected: >= 1, or auto (0): derived from --max-unfinished-heads)",
    })
    void aBadValueExitsWithOneLineNamingTheFlagAndWhatWasExpected(String argument, String message) {
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setOut(new PrintWriter(new StringWriter(), true));
        assertEquals(2, commandLine.execute(argument));
        assertEquals("mpool-server: " + message + "\nTry --help for the options.\n",
                err.toString().replace(System.lineSeparator(), "\n"));
    }

    /** Every value option names its variable, and the help shows the default the server uses. */
    @Test
    void theHelpNamesEveryVariableAndShowsTheDefaultsInUse() {
        CommandLine commandLine = Main.commandLine();
        StringWriter out = new StringWriter();
        commandLine.usage(new PrintWriter(out, true));
        String help = out.toString().replaceAll("\\s+", " ");
        for (OptionSpec option : commandLine.getCommandSpec().options()) {
            if (option.arity().max() == 0) {
                continue; // --help, --version, --health-check
            }
            String variable = "MPOOL_" + option.longestName().substring(2).toUpperCase(Locale.ROOT).replace('-', '_');
            String description = String.join(" ", option.description());
            assertTrue(description.contains("(" + variable + ")"), option.longestName() + ": " + description);
            Matcher shown = Pattern.compile(Pattern.quote(option.longestName()) + "=<\\w+>.*? Default: (\\S+)")
                    .matcher(help);
            assertTrue(shown.find(), option.longestName() + " shows no default in: " + help);
        }
        for (String expected : List.of("Default: 16k", "Default: 256m", "Default: 8m", "Default: 30s",
                "Default: 60s", "Default: 10s", "Default: 1k", "Default: 8080", "Default: 9090")) {
            assertTrue(help.contains(expected), expected + " in " + help);
        }
        assertTrue(help.contains("first " + RequestLimits.BODY_RATE_GRACE.toSeconds() + " s"), help);
    }

    /** The MPOOL_* variables feed the same converters: the help shows them, a bad one is named. */
    @Test
    void environmentVariablesAreReadLikeFlagsAndABadOneIsNamed() throws Exception {
        MainProcess.Result help = MainProcess.run(Map.of("MPOOL_BUFFER_SIZE", "8k", "MPOOL_READ_TIMEOUT", "45"), "--help");
        assertEquals(0, help.exitCode(), help.output());
        String text = help.output().replaceAll("\\s+", " ");
        assertTrue(text.contains("(MPOOL_BUFFER_SIZE). Default: 8k"), text);
        assertTrue(text.contains("(MPOOL_READ_TIMEOUT). Default: 45"), text);
        assertUsageError("MPOOL_BUFFER_SIZE=lots (expected: bytes, e.g. 16384, 16k, 256m, 1g)",
                MainProcess.run(Map.of("MPOOL_BUFFER_SIZE", "lots")));
        assertUsageError("MPOOL_BUFFER_SIZE=99g (expected: 512 bytes..1 MiB)",
                MainProcess.run(Map.of("MPOOL_BUFFER_SIZE", "99g")));
        assertUsageError("MPOOL_READ_TIMEOUT=0ms (expected: 1ms..2147483647ms)",
                MainProcess.run(Map.of("MPOOL_READ_TIMEOUT", "0ms")));
        assertUsageError("MPOOL_LOG_LEVEL=chatty (expected: error, warn, info, debug, trace, off or all (or a"
                + " java.util.logging level: severe, warning, config, fine, finer, finest))",
                MainProcess.run(Map.of("MPOOL_LOG_LEVEL", "chatty")));
        assertUsageError("--buffer-size=99g (expected: 512 bytes..1 MiB)",
                MainProcess.run(Map.of("MPOOL_BUFFER_SIZE", "8k"), "--buffer-size", "99g"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--port=8080 --admin-port=8080 | --admin-port=8080 (expected: a port other than --port's; 0 = any free port)",
        "--port 9090 --admin-port 09090 | --admin-port=09090 (expected: a port other than --port's; 0 = any free port)",
        "--admin-port=8080              | --admin-port=8080 (expected: a port other than --port's; 0 = any free port)",
        "--prot=80                      | unknown option '--prot=80' (did you mean --port?)",
        "--prot                         | unknown option '--prot' (did you mean --port?)",
        "--bufer-size 8k                | unknown option '--bufer-size' (did you mean --buffer-size?)",
        "--xqxqxq                       | unknown option '--xqxqxq'",
        "serve                          | unexpected argument 'serve'",
        "--port                         | Missing required parameter for option '--port' (<port>)",
    })
    void usageErrorsAreTwoLinesAndExit2(String arguments, String message) {
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setOut(new PrintWriter(out, true));
        assertEquals(2, commandLine.execute(arguments.split(" ")));
        assertEquals("mpool-server: " + message + "\nTry --help for the options.\n",
                err.toString().replace(System.lineSeparator(), "\n"), "no usage dump, just the error and the hint");
        assertEquals("", out.toString());
    }

    /** A port someone else holds: the failure names the flags, the host and the port; exit 1 (not a usage error). */
    @Test
    void aBindFailureNamesTheFlagsHostAndPort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            MainProcess.Result main = MainProcess.run(Map.of(), "--host=127.0.0.1", "--port=" + port,
                    "--admin-port=0");
            assertEquals(1, main.exitCode(), main.output());
            assertTrue(main.lines().contains("mpool-server: cannot listen on 127.0.0.1:" + port
                    + " (--host/--port): Address already in use"), main.output());
            MainProcess.Result admin = MainProcess.run(Map.of("MPOOL_ADMIN_PORT", String.valueOf(port)),
                    "--host=127.0.0.1", "--port=0");
            assertEquals(1, admin.exitCode(), admin.output());
            assertTrue(admin.lines().contains("mpool-server: cannot listen on 127.0.0.1:" + port
                    + " (--admin-host/--admin-port): Address already in use"), admin.output());
        }
    }

    private static void assertUsageError(String message, MainProcess.Result result) {
        assertEquals(2, result.exitCode(), result.output());
        assertEquals("mpool-server: " + message + "\nTry --help for the options.\n", result.output());
    }

    private static Main parse(String... args) {
        Main main = new Main();
        Main.commandLine(main).parseArgs(args);
        return main;
    }
}
