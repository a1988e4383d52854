package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Seeded fuzzing of the request path. Valid requests must get their answer (statuses and bodies
 * from a table), and delivered split at every offset, and one byte at a time, exactly the answer
 * they get in one piece (the parser and the framing check resume correctly). Mutated requests (bytes flipped, inserted, removed, truncated) must be
 * answered or closed, never hang; the fixture checks every pool and page is back afterwards.
 */
class SplitAndMutationFuzzTest {
    /** A valid request (or pipelined pair) and what it must get: every status and body, in order. */
    private record Valid(String request, List<Integer> statuses, List<String> bodies) {
    }

    private static final List<Valid> VALID = List.of(
            new Valid("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                    List.of(200), List.of("hello\n")),
            new Valid("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n"
                    + "Connection: close\r\n\r\nhello world", List.of(200), List.of("hello world")),
            new Valid("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", List.of(200), List.of("hello world")),
            new Valid("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
                    List.of(200), List.of("{\"bytes\":3,\"crc32\":\"352441c2\"}\n")),
            new Valid("GET /bytes/30 HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                    List.of(200, 200), List.of("abcdefghijklmnopqrstuvwxyzabcd", "hello\n")));

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Test
    void validRequestsGetTheirAnswerAndTheSameAnswerSplitAtEveryOffset() throws Exception {
        for (Valid valid : VALID) {
            String text = valid.request();
            byte[] request = text.getBytes(StandardCharsets.ISO_8859_1);
            byte[] whole = withoutDate(exchange(request, new int[0]));
            List<RawHttp.Response> responses = RawHttp.responses(whole);
            String shown = text.replace("\r\n", "\\r\\n");
            assertEquals(valid.statuses(), responses.stream().map(RawHttp.Response::status).toList(), shown);
            assertEquals(valid.bodies(), responses.stream().map(RawHttp.Response::text).toList(), shown);
            for (int split = 1; split < request.length; split++) {
                assertArrayEquals(whole, withoutDate(exchange(request, new int[] {split})),
                        "split at " + split + " of " + text.replace("\r\n", "\\r\\n"));
            }
            int[] everyByte = new int[request.length - 1];
            for (int i = 0; i < everyByte.length; i++) {
                everyByte[i] = i + 1;
            }
            assertArrayEquals(whole, withoutDate(exchange(request, everyByte)), "one byte at a time");
        }
    }

    @Test
    void mutatedRequestsAreAnsweredOrClosed(TestReporter reporter) throws Exception {
        runMutations(400, 1, reporter);
    }

    @Test
    @Tag("slow")
    void manyMutatedRequestsAreAnsweredOrClosed(TestReporter reporter) throws Exception {
        runMutations(5_000, 1_000, reporter);
    }

    private void runMutations(int count, long seed, TestReporter reporter) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            byte[] request = mutate(VALID.get(random.nextInt(VALID.size())).request().getBytes(StandardCharsets.ISO_8859_1),
                    random);
            int[] splits = request.length > 2 && random.nextBoolean() ? new int[] {1 + random.nextInt(request.length - 1)} : new int[0];
            byte[] answer = exchange(request, splits);
            String outcome = answer == null ? "hang" : RawHttp.statusOf(answer);
            outcomes.merge(outcome, 1, Integer::sum);
            if (i % 100 == 99) {
                fixture.awaitNoLivePools(); // the invariant after each batch
            }
        }
        reporter.publishEntry("mutation fuzz, seed " + seed + ", " + count + " requests", outcomes.toString());
        assertEquals(0, outcomes.getOrDefault("hang", 0), "requests left hanging: " + outcomes);
        try (RawHttp http = fixture.connect()) {
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text());
        }
    }

    private static byte[] mutate(byte[] request, SplittableRandom random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int edits = 1 + random.nextInt(3);
        byte[] current = request;
        for (int e = 0; e < edits && current.length > 1; e++) { // a removal can leave one byte: stop there
            out.reset();
            int at = random.nextInt(current.length);
            switch (random.nextInt(4)) {
                case 0 -> { // flip a byte
                    out.write(current, 0, current.length);
                    byte[] flipped = out.toByteArray();
                    flipped[at] ^= (byte) (1 << random.nextInt(8));
                    current = flipped;
                    continue;
                }
                case 1 -> { // insert a byte
                    out.write(current, 0, at);
                    out.write(random.nextInt(256));
                    out.write(current, at, current.length - at);
                }
                case 2 -> { // remove a byte
                    out.write(current, 0, at);
                    out.write(current, at + 1, current.length - at - 1);
                }
                default -> out.write(current, 0, Math.max(1, at)); // truncate
            }
            current = out.toByteArray();
        }
        return current;
    }

    /** Sends the request in pieces cut at {@code splits}, half-closes, returns the answer (null: hung). */
    private byte[] exchange(byte[] request, int[] splits) throws IOException {
        RawHttp.Exchange exchange = RawHttp.sendAll(fixture.port(), request, splits, 20_000);
        return exchange.hung() ? null : exchange.received();
    }

    /** The answer with Date header values blanked, so two answers compare byte for byte. */
    private static byte[] withoutDate(byte[] answer) {
        assertTrue(answer != null, "hung");
        return new String(answer, StandardCharsets.ISO_8859_1).replaceAll("Date: [^\r]*", "Date: -")
                .getBytes(StandardCharsets.ISO_8859_1);
    }
}
