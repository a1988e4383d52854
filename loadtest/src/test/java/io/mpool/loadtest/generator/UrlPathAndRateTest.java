package io.mpool.loadtest.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.loadtest.DemoServer;
import io.mpool.server.MpoolServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What the command line promises: {@code --url}'s path is what is requested, --help names every kind, --rate is kept or flagged. */
class UrlPathAndRateTest {

    @Test
    void aUrlWithAPathIsWhatEveryRequestGetsAndItsNotFoundAnswersAreErrors() throws Exception {
        MpoolServer server = DemoServer.start();
        try {
            String base = "http://127.0.0.1:" + server.port();
            LoadResult missing = LoadRun.run(settings(URI.create(base + "/does-not-exist")), "test", null, null);
            assertEquals(0, missing.requests(), missing.table());
            assertTrue(missing.errors().getOrDefault("status 404", 0L) > 0, missing.table());
            assertEquals("GET /does-not-exist:1", missing.mix());

            LoadResult bytes = LoadRun.run(settings(URI.create(base + "/bytes/100?seed=1")), "test", null, null);
            assertEquals(Map.of(), bytes.errors(), bytes.table());
            assertTrue(bytes.requests() > 0, bytes.table());

            LoadGenerator generator = new LoadGenerator();
            new CommandLine(generator).parseArgs("--url", base + "/does-not-exist");
            assertNull(generator.mix, "without --mix on the command line, the URL's path decides what is sent");
        } finally {
            String summary = server.stop(Duration.ofSeconds(5));
            assertTrue(summary.contains(" pagesOutstanding=0 largeBlocksOutstanding=0 "), summary);
        }
    }

    @Test
    void aUrlWithAPathBesideAMixOrVerifyIsRefusedByName() {
        URI url = URI.create("http://127.0.0.1:8080/does-not-exist");
        assertEquals("--url=http://127.0.0.1:8080/does-not-exist has a path and --mix=echo names its own (expected:"
                        + " either a base URL such as http://127.0.0.1:8080 with --mix, or a URL with a path and no --mix)",
                assertThrows(IllegalArgumentException.class, () -> new LoadSettings(url, 1, 1, Duration.ofSeconds(1), 1, 0,
                        "echo", 0, 0, false, true, Duration.ofSeconds(1), Duration.ZERO)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LoadSettings(url, 1, 1, Duration.ofSeconds(1), 1,
                0, null, 0, 0, true, true, Duration.ofSeconds(1), Duration.ZERO)).getMessage().startsWith("--verify with --url="));
        assertNull(LoadSettings.requestTarget(URI.create("http://127.0.0.1:8080")));
        assertNull(LoadSettings.requestTarget(URI.create("http://127.0.0.1:8080/")));
        assertEquals("/?a=1", LoadSettings.requestTarget(URI.create("http://127.0.0.1:8080?a=1")));
        assertEquals("/echo?mode=full", LoadSettings.requestTarget(URI.create("http://127.0.0.1:8080/echo?mode=full")));
    }

    @Test
    void helpNamesEveryMixKind() {
        String help = new CommandLine(new LoadGenerator()).getUsageMessage().replaceAll("\\s+", " ");
        for (String kind : new String[] {"hello", "echo", "echo-full", "upload", "json", "bytes"}) {
            assertTrue(help.contains(kind + " ("), kind + " in:\n" + help);
        }
    }

    @Test
    void versionFlagPrintsTheBuildsVersionNotAFixedOne() throws IOException {
        StringWriter out = new StringWriter();
        CommandLine commandLine = new CommandLine(new LoadGenerator());
        commandLine.setOut(new PrintWriter(out));
        assertEquals(0, commandLine.execute("-V"));
        assertEquals("mpool-loadtest " + rootPomVersion(), out.toString().strip());
    }

    private static String rootPomVersion() throws IOException {
        Pattern own = Pattern.compile("<artifactId>mpool-parent</artifactId>\\s*<version>([^<]+)</version>");
        for (Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path pom = dir.resolve("pom.xml");
            Matcher matcher = own.matcher(Files.exists(pom) ? Files.readString(pom) : "");
            if (matcher.find()) {
                return matcher.group(1).strip();
            }
        }
        throw new IllegalStateException("no pom.xml of mpool-parent above " + System.getProperty("user.dir"));
    }

    @Test
    void aRateBelowNinetyPercentOfTheTargetIsFlagged() {
        LoadResult slow = result(20_000, 4_668);
        assertTrue(slow.rateWarning().startsWith("4668 requests/s answered, 23% of --rate 20000"), slow.rateWarning());
        assertTrue(slow.table().contains("WARNING"), slow.table());
        assertNull(result(20_000, 18_100).rateWarning(), "within 10% of the rate");
        assertNull(result(0, 4_668).rateWarning(), "no rate asked for");
        assertTrue(!result(20_000, 18_100).table().contains("WARNING"));
    }

    private static LoadResult result(double rate, double achieved) {
        return new LoadResult("cmd", "http://h:1", "hello:1", 8, 1, rate, true, 0, 10, (long) (achieved * 10), achieved, 8,
                Map.of(), 1, 1, 1, 1, 1, Map.of(), null, null, null);
    }

    private static LoadSettings settings(URI url) {
        return new LoadSettings(url, 2, 1, Duration.ofSeconds(2), 1, 0, null, 0, 0, false, true,
                Duration.ofSeconds(10), Duration.ZERO);
    }
}
