package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Replays the external request corpora in {@code ../shared/corpora} (H2O's HTTP/1 fuzz corpus and
 * llhttp's request fixtures) against a live server: each case on its own connection, sent whole,
 * then the write side half-closed. The bar: every case is answered or closed within the timeout,
 * no llhttp "reject" case ever gets a 2xx, and afterwards the server still serves {@code /hello}
 * and every pool and page is back (the fixture checks that after the test).
 */
public class CorpusReplayTest {
    /** Longer than any server timeout a case can run into: past this a case counts as a hang. */
    private static final int CASE_TIMEOUT_MILLIS = 20_000;
    /** Fewer cases than the corpora hold (1,972 and 119 today) means a path or a file went missing. */
    private static final int MIN_H2O_CASES = 1_000;
    private static final int MIN_LLHTTP_CASES = 100;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    /**
     * What one case got: the status of every response, how the connection ended, and whether the
     * answer (if any) starts with a status line rather than stray bytes.
     */
    record Outcome(String name, List<Integer> statuses, String ending, boolean wellFormed) {
        String kind() {
            return statuses.isEmpty() ? "no response, " + ending : statuses.get(0) + "";
        }
    }

    @Test
    void h2oFuzzCorpusIsAnsweredOrClosedAndLeaksNothing(TestReporter reporter) throws Exception {
        Path corpus = corpora().resolve("h2o-http1/http1-corpus");
        List<Path> cases;
        try (Stream<Path> files = Files.list(corpus)) {
            cases = files.filter(Files::isRegularFile).sorted().toList();
        }
        assertTrue(cases.size() >= MIN_H2O_CASES, "the corpus is there: " + cases.size() + " cases in " + corpus);
        List<Outcome> outcomes = replay(cases.stream().map(p -> Map.entry(p.getFileName().toString(), p)).toList());
        report(reporter, "h2o http1-corpus", outcomes);
        assertEquals(List.of(), outcomes.stream().filter(o -> o.ending().equals("timeout")).map(Outcome::name).toList(),
                "cases that hung");
        assertEquals(List.of(), outcomes.stream().filter(o -> !o.wellFormed()).map(Outcome::name).toList(),
                "cases answered with something other than a status line");
        // Its paths are none of our routes: a parsed request gets 404, a refused one 400.
        assertTrue(outcomes.stream().anyMatch(o -> o.statuses().contains(404))
                        && outcomes.stream().anyMatch(o -> o.statuses().contains(400)),
                "the corpus holds both requests we parse and requests we refuse: " + byKind(outcomes));
        assertServesHello();
    }

    @Test
    void llhttpRejectCasesNeverGetA2xx(TestReporter reporter) throws Exception {
        Path folder = corpora().resolve("llhttp-requests");
        JsonNode index = new ObjectMapper().readTree(folder.resolve("index.json").toFile());
        Map<String, String> expected = new TreeMap<>();
        List<Map.Entry<String, Path>> cases = new ArrayList<>();
        for (JsonNode entry : index) {
            String name = entry.get(0).asText();
            expected.put(name, entry.get(1).asText());
            cases.add(Map.entry(name, folder.resolve(name + ".req")));
        }
        assertTrue(expected.containsValue("reject") && cases.size() >= MIN_LLHTTP_CASES,
                "the corpus is there: " + cases.size() + " cases in " + folder);
        List<Outcome> outcomes = replay(cases);
        report(reporter, "llhttp requests", outcomes);
        List<String> accepted = new ArrayList<>();
        for (Outcome outcome : outcomes) {
            assertTrue(!outcome.ending().equals("timeout"), outcome.name() + " hung");
            assertTrue(outcome.wellFormed(), outcome.name() + " was answered with something other than a status line");
            boolean got2xx = outcome.statuses().stream().anyMatch(s -> s / 100 == 2);
            if (expected.get(outcome.name()).equals("reject") && got2xx) {
                accepted.add(outcome.name() + " " + outcome.statuses());
            }
        }
        assertEquals(List.of(), accepted, "llhttp 'reject' cases that got a 2xx");
        assertServesHello();
    }

    private List<Outcome> replay(List<Map.Entry<String, Path>> cases) throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(8);
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (Map.Entry<String, Path> c : cases) {
                futures.add(executor.submit(() -> replayOne(c.getKey(), Files.readAllBytes(c.getValue()))));
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (Future<Outcome> future : futures) {
                outcomes.add(future.get());
            }
            return outcomes;
        } finally {
            executor.shutdownNow();
        }
    }

    private Outcome replayOne(String name, byte[] request) throws IOException {
        RawHttp.Exchange exchange = RawHttp.sendAll(fixture.port(), request, new int[0], CASE_TIMEOUT_MILLIS);
        boolean wellFormed = exchange.received().length == 0 || !RawHttp.statusOf(exchange.received()).equals("closed");
        return new Outcome(name, exchange.statuses(), exchange.ending(), wellFormed);
    }

    private static Map<String, Integer> byKind(List<Outcome> outcomes) {
        Map<String, Integer> byKind = new TreeMap<>();
        outcomes.forEach(o -> byKind.merge(o.kind(), 1, Integer::sum));
        return byKind;
    }

    private static void report(TestReporter reporter, String corpus, List<Outcome> outcomes) {
        reporter.publishEntry("corpus " + corpus + ", " + outcomes.size() + " cases, first response by kind",
                byKind(outcomes).toString());
    }

    private void assertServesHello() throws IOException {
        try (RawHttp http = fixture.connect()) {
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text());
        }
    }

    /** {@code ../shared/corpora} from the checkout root; the test skips, saying why, when absent. */
    public static Path corpora() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("shared/corpora"))) {
            dir = dir.getParent();
        }
        Assumptions.assumeTrue(dir != null, "no shared/corpora folder above " + System.getProperty("user.dir")
                + " (the corpora live beside the checkout in ../shared/corpora)");
        return dir.resolve("shared/corpora");
    }
}
