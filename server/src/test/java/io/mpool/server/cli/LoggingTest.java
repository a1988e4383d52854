package io.mpool.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.MpoolServer;
import io.mpool.server.RawHttp;
import io.mpool.testing.Await;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.ConsoleHandler;
import java.util.logging.SimpleFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's log as an operator sees it, from a JVM of its own stopped with SIGTERM: one format
 * for every line (ours, XNIO's and Undertow's through jboss-logging, the access log's), a line when
 * the signal arrives, a summary in which resets + coalesced resets = requests, the level from
 * {@code --log-level}/{@code MPOOL_LOG_LEVEL}, and a standard logging config file honoured.
 */
class LoggingTest {
    private static final Pattern FORMAT = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} (ERROR|WARN |INFO |DEBUG|TRACE) \\[[^\\]]+] .+");
    private static final Pattern LISTENING = Pattern.compile("mpool listening on http://127\\.0\\.0\\.1:(\\d+) ");
    /** What SIGTERM leaves as the exit code: 128 + 15. */
    private static final int EXIT_ON_SIGTERM = 143;

    @TempDir
    Path dir;

    @Test
    void everyLineHasOneFormatAndSigtermLeavesALineAndASummaryThatAddsUp() throws Exception {
        try (MainProcess main = MainProcess.start(List.of(), Map.of(), "--host=127.0.0.1", "--port=0",
                "--admin-port=0", "--access-log=stderr", "--access-log-format=mpool")) {
            int port = port(main.awaitLine(line -> LISTENING.matcher(line).find()));
            try (RawHttp http = new RawHttp(port)) {
                for (int i = 0; i < 5; i++) {
                    assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text());
                }
            }
            // Pipelined: one reset may cover several request ends (counted as coalesced).
            RawHttp.Exchange pipelined = RawHttp.sendAll(port, RawHttp.concat(RawHttp.get("/hello"),
                    RawHttp.get("/bytes/3"), RawHttp.get("/hello"), "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII)), new int[0], 20_000);
            assertEquals(List.of(200, 200, 200, 200), RawHttp.statuses(pipelined.text()));
            main.awaitLine(line -> line.contains("[mpool.access] conn=") && line.contains(" GET /bytes/3 200 3B "));

            MainProcess.Result stopped = main.terminate();
            assertEquals(EXIT_ON_SIGTERM, stopped.exitCode(), stopped.output());
            List<String> lines = withoutJvmUnsafeWarning(stopped.lines());
            for (String line : lines) {
                assertTrue(FORMAT.matcher(line).matches(), "not in the one format: " + line);
            }
            assertTrue(lines.stream().anyMatch(l -> l.contains("[org.xnio] XNIO version")), "XNIO's line, same format");
            assertEquals(9, lines.stream().filter(l -> l.contains("[mpool.access] conn=")).count(), stopped.output());
            assertEquals(1, lines.stream().filter(l -> l.contains("INFO  [" + Main.class.getName() + "] mpool stopping (SIGTERM"
                    + " or SIGINT): no new connections; in-flight requests get up to 10s")).count(), stopped.output());
            String summary = lines.stream().filter(l -> l.contains("mpool stopped: ")).findFirst().orElseThrow();
            long requests = figure(summary, "requests");
            assertEquals(9, requests, summary);
            assertEquals(requests, figure(summary, "resets") + figure(summary, "resetsCoalesced"), summary);
            assertEquals(0, figure(summary, "pagesOutstanding"), summary);
            assertEquals(9, figure(summary, "accessLogLines"), summary);
            assertTrue(lines.indexOf(summary) == lines.size() - 1, "the summary is the last line: " + stopped.output());
        }
    }

    @Test
    void theLevelComesFromTheVariableOrTheFlag() throws Exception {
        int port = freePort();
        try (MainProcess main = MainProcess.start(List.of(), Map.of("MPOOL_LOG_LEVEL", "warn"), "--host=127.0.0.1",
                "--port=" + port, "--admin-port=0")) {
            assertEquals("hello\n", getHello(port));
            MainProcess.Result stopped = main.terminate();
            assertTrue(stopped.lines().stream().noneMatch(l -> l.contains(" INFO  ")), stopped.output());
        }
        try (MainProcess main = MainProcess.start(List.of(), Map.of("MPOOL_LOG_LEVEL", "warn"), "--host=127.0.0.1",
                "--port=0", "--admin-port=0", "--log-level=INFO")) {
            main.awaitLine(line -> LISTENING.matcher(line).find()); // the flag wins over the variable
        }
    }

    /** {@code -Djava.util.logging.config.file}: the file's handler, format and level, to the last line. */
    @Test
    void aStandardLoggingConfigFileIsHonoured() throws Exception {
        Path config = dir.resolve("logging.properties");
        Files.writeString(config, String.join("\n",
                "handlers=" + ConsoleHandler.class.getName(),
                ConsoleHandler.class.getName() + ".level=ALL",
                ConsoleHandler.class.getName() + ".formatter=" + SimpleFormatter.class.getName(),
                SimpleFormatter.class.getName() + ".format=CUSTOM %4$s [%3$s] %5$s%n",
                ".level=INFO",
                "org.xnio.level=WARNING", ""));
        try (MainProcess main = MainProcess.start(List.of("-Djava.util.logging.config.file=" + config), Map.of(),
                "--host=127.0.0.1", "--port=0", "--admin-port=0")) {
            String listening = main.awaitLine(line -> LISTENING.matcher(line).find());
            assertTrue(listening.startsWith("CUSTOM INFO [" + MpoolServer.class.getName() + "] mpool listening on "), listening);
            MainProcess.Result stopped = main.terminate();
            assertTrue(stopped.lines().stream().noneMatch(l -> l.contains("XNIO version")), "org.xnio.level=WARNING");
            assertTrue(stopped.lines().get(stopped.lines().size() - 1)
                    .startsWith("CUSTOM INFO [" + MpoolServer.class.getName() + "] mpool stopped: "), stopped.output());
        }
    }

    private static int port(String listening) {
        Matcher matcher = LISTENING.matcher(listening);
        assertTrue(matcher.find(), listening);
        return Integer.parseInt(matcher.group(1));
    }

    private static long figure(String summary, String name) {
        Matcher matcher = Pattern.compile(" " + name + "=(\\d+)").matcher(summary);
        assertTrue(matcher.find(), name + " in " + summary);
        return Long.parseLong(matcher.group(1));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** GET /hello, retrying the connection until the server listens (bounded). */
    private static String getHello(int port) {
        String answer = Await.until("the server to listen on " + port + " and answer /hello",
                Duration.ofSeconds(MainProcess.EXIT_TIMEOUT_SECONDS), () -> helloOrWhyNot(port),
                seen -> !seen.startsWith("not listening: "));
        return answer;
    }

    private static String helloOrWhyNot(int port) {
        try (RawHttp http = new RawHttp(port)) {
            return http.exchange(RawHttp.get("/hello")).text();
        } catch (IOException notYet) {
            return "not listening: " + notYet;
        }
    }

    /**
     * The lines without the warning the JVM itself prints (JDK 24+, JEP 498) when a library first
     * calls a deprecated {@code sun.misc.Unsafe} method (jboss-threads, under XNIO, does): four
     * {@code WARNING: } lines written by the VM, not a log line any logging setup could format.
     */
    private static List<String> withoutJvmUnsafeWarning(List<String> lines) {
        List<String> kept = new ArrayList<>(lines);
        int start = 0;
        while (start < kept.size() && !kept.get(start).startsWith("WARNING: A terminally deprecated method in ")) {
            start++;
        }
        if (start < kept.size()) {
            int end = start + 1;
            while (end < kept.size() && end < start + 4 && kept.get(end).startsWith("WARNING: ")) {
                end++;
            }
            kept.subList(start, end).clear();
        }
        return kept;
    }
}
