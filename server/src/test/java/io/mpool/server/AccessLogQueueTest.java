package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.transport.AccessLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log's queue is bounded in bytes, not only in lines: with a log nobody reads (a
 * pipe whose reader has stopped, like a stderr nobody reads) and requests with long paths, lines
 * are dropped and counted once the waiting lines hold {@link AccessLog#QUEUE_MAX_BYTES}, long
 * before the line bound. (Before: 65,536 lines of any length were held, and 8 KB paths filled a
 * 128 MB heap after 14,850 requests.)
 */
class AccessLogQueueTest {
    private static final int REQUESTS = 6_000;
    private static final int PIPELINED = 200;
    private static final Pattern SUMMARY = Pattern.compile("accessLogLines=(\\d+) accessLogDropped=(\\d+)");

    @TempDir
    Path dir;

    private final CountDownLatch readerMayRead = new CountDownLatch(1);
    private Thread reader;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withAccessLog(stalledPipe().toString()));

    /** A named pipe whose reader opens it (so the server's open returns) and then reads nothing until told. */
    private Path stalledPipe() {
        Path fifo = dir.resolve("access.fifo");
        try {
            // mkfifo is coreutils': every Linux machine this runs on has it, so its absence is a failure, not a skip.
            if (new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() != 0) {
                throw new IllegalStateException("mkfifo " + fifo + " failed");
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("cannot make a named pipe with mkfifo: " + e, e);
        }
        reader = new Thread(() -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                readerMayRead.await();
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException | InterruptedException e) {
                // the test fails on its counts
            }
        }, "access-log-reader");
        reader.setDaemon(true);
        reader.start();
        return fifo;
    }

    @Test
    void aStalledLogDropsLinesOnceTheQueueHoldsItsBytes() throws Exception {
        String path = "/" + "p".repeat(4000);
        byte[] batch = RawHttp.get(path);
        for (int i = 1; i < PIPELINED; i++) {
            batch = RawHttp.concat(batch, RawHttp.get(path));
        }
        try (RawHttp http = fixture.connect()) {
            for (int sent = 0; sent < REQUESTS; sent += PIPELINED) {
                http.send(batch);
                for (int i = 0; i < PIPELINED; i++) {
                    assertEquals(404, http.read().status());
                }
            }
        }
        readerMayRead.countDown(); // the server's stop writes what is held
        String summary = fixture.server().stop(Duration.ofSeconds(2));
        reader.join(ServerFixture.SETTLE.toMillis());
        assertFalse(reader.isAlive(), "the log was closed");
        Matcher counts = SUMMARY.matcher(summary);
        assertTrue(counts.find(), summary);
        long lines = Long.parseLong(counts.group(1));
        long dropped = Long.parseLong(counts.group(2));
        assertEquals(REQUESTS, lines + dropped, summary);
        // Each held line counts at least its cut path; the pipe itself took a few more.
        long held = AccessLog.QUEUE_MAX_BYTES / AccessLog.MAX_FIELD_CHARS;
        assertTrue(lines <= held + 100, "at most " + held + " lines held, plus what the pipe took: " + summary);
        assertTrue(dropped >= REQUESTS - held - 100, summary);
    }
}
