package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.stats.ServerMetric;
import io.mpool.testing.Await;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What all whole bodies may take together: pool memory ({@code --body-memory-total}: past it a new
 * body goes to a temp file at once) and disk ({@code --body-temp-max}: past it 503); a temp file
 * opened only once body bytes past the in-memory limit arrive; a full disk answered 503 with one
 * log line. Limit 64 KB in memory, 160 KB of memory for all bodies, 300 KB of temp files; one IO
 * thread, so that a request on another connection is served after the upload's handler has run.
 */
class WholeBodyBudgetsTest {
    private static final int LIMIT = 64 * 1024;
    private static final int MEMORY_TOTAL = 160 * 1024;
    private static final int TEMP_MAX = 300 * 1024;
    private static final Path TEMP_DIR = BodyTestSupport.createDir("whole-body-budgets-test");

    private final BodyTestRoutes routes = new BodyTestRoutes(() -> this.fixture.server());

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withIoThreads(1).withLimits(config.limits()
            .withBodyInMemory(LIMIT, TEMP_DIR).withBodyBudgets(MEMORY_TOTAL, TEMP_MAX)), routes);

    @Test
    void pastTheMemoryBudgetNewBodiesGoToTempFilesAndTheBudgetComesBack() throws Exception {
        int size = 60 * 1024; // each under the per-body limit: in memory while the budget lasts
        List<RawHttp> clients = new ArrayList<>();
        List<BodyView> views = new ArrayList<>();
        ServerMetric stats = fixture.server().stats();
        try {
            for (int i = 0; i < 5; i++) {
                RawHttp http = fixture.connect();
                clients.add(http);
                assertEquals(202, http.exchange(RawHttp.post("/test/retain", "a/b", BodyTestSupport.random(size, i)))
                        .status());
                views.add(routes.retained.poll(10, TimeUnit.SECONDS));
            }
            List<Boolean> inMemory = views.stream().map(BodyView::inMemory).toList();
            assertEquals(List.of(true, true, false, false, false), inMemory,
                    "two bodies of 60 KB fit 160 KB; the rest spill although each is under the 64 KB limit");
            assertEquals(3, stats.bodyMemoryEarlySpills());
            long inUse = stats.bodyMemoryInUse();
            assertTrue(inUse >= 2L * size && inUse <= MEMORY_TOTAL, "the two bodies' blocks, and the blocks the"
                    + " third had when it spilled (still held until its reset), within the budget: " + inUse);
            assertEquals(3L * size, stats.bodyTempBytes(), "bytes on disk");
        } finally {
            views.forEach(BodyView::release);
            for (RawHttp http : clients) {
                http.close();
            }
        }
        fixture.awaitNoLivePools();
        assertEquals(0, stats.bodyMemoryInUse(), "given back at the resets");
        assertEquals(0, stats.bodyTempBytes(), "given back with the files");
        BodyTestSupport.awaitNone(fixture.server(), TEMP_DIR);
    }

    @Test
    void pastTheDiskBudgetABodyGets503AndTheOthersAreUnharmed() throws Exception {
        BodyView held;
        try (RawHttp first = fixture.connect(); RawHttp second = fixture.connect()) {
            assertEquals(202, first.exchange(RawHttp.post("/test/retain", "a/b",
                    BodyTestSupport.random(200 * 1024, 1))).status());
            held = routes.retained.poll(10, TimeUnit.SECONDS);
            assertFalse(held.inMemory());
            RawHttp.Response refused = second.exchange(RawHttp.post("/echo?mode=full", "a/b",
                    BodyTestSupport.random(200 * 1024, 2)));
            assertEquals(503, refused.status(), refused.text());
            assertTrue(refused.text().contains("temp space"), refused.text());
            assertEquals(1, fixture.server().stats().bodyTempRefusals());
            held.release();
        }
        try (RawHttp again = fixture.connect()) {
            byte[] body = BodyTestSupport.random(200 * 1024, 3);
            RawHttp.Response echoed = again.exchange(RawHttp.post("/echo?mode=full", "a/b", body));
            assertEquals(200, echoed.status(), "room again once the held file is gone");
            assertEquals(body.length, echoed.body().length);
        }
        BodyTestSupport.awaitNone(fixture.server(), TEMP_DIR);
    }

    @Test
    void aHeadAnnouncingALargeBodyOpensNoTempFileUntilItsBytesCome() throws Exception {
        try (Socket socket = fixture.socket(10_000)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /echo?mode=full HTTP/1.1\r\nHost: t\r\nContent-Length: 50000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitHandlerRunning();
            try (RawHttp other = fixture.connect()) {
                assertEquals(200, other.exchange(RawHttp.get("/hello")).status(),
                        "served by the one IO thread after the event that ran the upload's handler");
            }
            assertEquals(0, fixture.server().stats().bodySpills(), "no file for a head alone");
            assertEquals(0, BodyTestSupport.tempFiles(TEMP_DIR).size());
            out.write(new byte[1]);
            out.flush();
            BodyTestSupport.awaitLive(fixture.server(), TEMP_DIR, 1);
        }
        BodyTestSupport.awaitNone(fixture.server(), TEMP_DIR);
    }

    @Test
    void aFullDiskIsAnswered503WithOneLogLineAndCounted() throws Exception {
        List<LogRecord> records = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger(RequestBody.class.getName());
        log.addHandler(capture);
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response answer = http.exchange(RawHttp.post("/test/full-disk", "a/b",
                    BodyTestSupport.random(100 * 1024, 4)));
            assertEquals(503, answer.status(), answer.text());
        } finally {
            log.removeHandler(capture);
        }
        List<LogRecord> errors = records.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
                .toList();
        assertEquals(1, errors.size(), "one line: " + errors.stream().map(LogRecord::getMessage).toList());
        assertEquals(Level.SEVERE, errors.get(0).getLevel());
        assertTrue(errors.get(0).getMessage().contains("No space left on device"), errors.get(0).getMessage());
        assertEquals(null, errors.get(0).getThrown(), "no stack trace");
        assertEquals(1, fixture.server().stats().bodyTempWriteFailures());
        BodyTestSupport.awaitNone(fixture.server(), TEMP_DIR);
    }

    private void awaitHandlerRunning() {
        Await.until("the upload's handler to run (1 request in flight)", ServerFixture.SETTLE,
                () -> fixture.server().stats().inFlight(), inFlight -> inFlight == 1);
    }
}
