package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server accepts again within moments of file descriptors coming free after the process ran
 * out of them. The test uses up this JVM's descriptors (the server runs in it), connects one
 * client with the last one, and keeps the rest used until XNIO has failed to accept three times
 * (its back-off is then 4 s: 250 ms, x4 per failure), then frees them. Before the fix the client
 * was served only when that back-off ended (4 s later, and up to 30 s after a longer exhaustion);
 * the deadline below is far above what the fix needs and below XNIO's 4 s.
 */
class DescriptorExhaustionTest {
    /** Generous for a recovery that takes about {@code AcceptRecovery.PROBE_INTERVAL} (100 ms). */
    private static final Duration DEADLINE = Duration.ofMillis(3000);
    /** XNIO's third back-off in a row; its message says "backing off for 4000 milliseconds". */
    private static final String THIRD_BACK_OFF = "4000 milliseconds";
    /** Using up more descriptors than this would take too long and too much kernel memory. */
    private static final long MAX_FDS_TO_EXHAUST = 200_000;
    /** Exhaustions tried until one shows XNIO's long back-off. */
    private static final int ATTEMPTS = 3;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Test
    void aConnectionIsServedSoonAfterDescriptorsComeFree() throws Exception {
        long fdLimit = ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getMaxFileDescriptorCount();
        assumeTrue(fdLimit <= MAX_FDS_TO_EXHAUST, "descriptor limit " + fdLimit + " is too high to use up here");
        // Warm up what the client side needs, so nothing loads a class or opens a file below.
        try (RawHttp warm = fixture.connect()) {
            assertEquals(200, warm.exchange(RawHttp.get("/hello")).status());
        }
        // The log formatter loads the time zone data on first use: a file it could not open below.
        Logger.getLogger(DescriptorExhaustionTest.class.getName()).info("using up this JVM's file descriptors");
        Socket client = null;
        long freedAt = 0;
        List<String> seen = List.of();
        // A descriptor that comes free in the JVM meanwhile (another thread closing a file) can let
        // XNIO's retry succeed before its third back-off: then this attempt shows nothing about
        // the long back-off, and the exhaustion is tried again.
        for (int attempt = 1; attempt <= ATTEMPTS && client == null; attempt++) {
            BackOffLog backOffs = new BackOffLog();
            Logger.getLogger("").addHandler(backOffs);
            List<FileChannel> used = new ArrayList<>();
            Socket candidate = new Socket();
            boolean longBackOff = false;
            try {
                Path devNull = Path.of("/dev/null");
                try {
                    while (used.size() < fdLimit) {
                        used.add(FileChannel.open(devNull));
                    }
                } catch (IOException outOfDescriptors) {
                    // the process is at its limit
                }
                used.remove(used.size() - 1).close(); // the client's socket takes this one
                try {
                    candidate.connect(new InetSocketAddress("127.0.0.1", fixture.port()), 5_000);
                } catch (SocketException takenMeanwhile) {
                    // Another thread of the JVM (a log file, /proc) took the freed descriptor first:
                    // this attempt shows nothing; try again.
                    seen = List.of("attempt " + attempt + ": the client could not connect: " + takenMeanwhile);
                    candidate.close();
                    continue;
                }
                candidate.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                long waitUntil = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!backOffs.saw(THIRD_BACK_OFF) && System.nanoTime() < waitUntil) {
                    Thread.sleep(20);
                }
                longBackOff = backOffs.saw(THIRD_BACK_OFF);
                seen = backOffs.messages();
            } finally {
                freedAt = System.nanoTime();
                for (FileChannel channel : used) {
                    channel.close();
                }
                Logger.getLogger("").removeHandler(backOffs);
            }
            if (longBackOff) {
                client = candidate;
            } else {
                candidate.close();
            }
        }
        assertTrue(client != null, "XNIO failed to accept three times in a row in none of " + ATTEMPTS
                + " attempts; last: " + seen);
        Socket served = client;
        try (served) {
            served.setSoTimeout((int) DEADLINE.toMillis());
            byte[] status = new byte[12];
            int read;
            try {
                read = served.getInputStream().readNBytes(status, 0, status.length);
            } catch (SocketTimeoutException e) {
                read = -1;
            }
            long recoveryMillis = Duration.ofNanos(System.nanoTime() - freedAt).toMillis();
            System.out.println("DescriptorExhaustionTest: served " + recoveryMillis + " ms after descriptors began to come"
                    + " free"
                    + " (XNIO back-offs seen: " + seen.size() + ")");
            assertEquals(12, read, "served within " + DEADLINE.toMillis() + " ms of descriptors coming free");
            assertEquals("HTTP/1.1 200", new String(status, StandardCharsets.US_ASCII));
        }
    }

    /** XNIO's "Socket accept failed, backing off for N milliseconds" lines. */
    private static final class BackOffLog extends Handler {
        private final List<String> messages = new ArrayList<>();

        @Override
        public synchronized void publish(LogRecord record) {
            String message = String.valueOf(record.getMessage());
            if (message.contains("backing off")) {
                messages.add(message);
            }
        }

        synchronized boolean saw(String part) {
            return messages.stream().anyMatch(m -> m.contains(part));
        }

        synchronized List<String> messages() {
            return List.copyOf(messages);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
