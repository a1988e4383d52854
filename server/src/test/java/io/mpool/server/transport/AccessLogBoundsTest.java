package io.mpool.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.config.AccessLogSettings;
import io.mpool.server.config.AccessLogSettings.Format;
import io.mpool.server.config.TrustedProxies;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The queue's byte bound counts every field a client writes, in every format: with a writer stuck
 * on its stream, requests with long user agents and referers are dropped once the waiting lines
 * hold {@link AccessLog#QUEUE_MAX_BYTES}, and what was held is written once the stream moves.
 */
class AccessLogBoundsTest {
    private static final int OFFERED = 10_000;

    @ParameterizedTest
    @EnumSource(Format.class)
    void longHeadersAreBoundedByBytesInEveryFormat(Format format) throws Exception {
        CountDownLatch mayWrite = new CountDownLatch(1);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        OutputStream stalled = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                try {
                    mayWrite.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                written.write(bytes, offset, length);
            }
        };
        AccessLog log = AccessLog.to(stalled, new AccessLogSettings("stderr", format, TrustedProxies.parse("10.0.0.0/8")));
        String longHeader = "h".repeat(AccessLog.MAX_FIELD_CHARS + 1);
        for (int i = 0; i < OFFERED; i++) {
            log.offer(new AccessLog.Entry(0, 1, InetAddress.getLoopbackAddress(), longHeader, false, "GET", "/", "HTTP/1.1",
                    200, -1, 0, 1000, 0, longHeader, longHeader));
            assertTrue(log.heldBytes() <= AccessLog.QUEUE_MAX_BYTES, "held " + log.heldBytes());
        }
        long perEntry = AccessLog.ENTRY_BYTES + 3L * (AccessLog.MAX_FIELD_CHARS + 1) + 4;
        long held = AccessLog.QUEUE_MAX_BYTES / perEntry;
        assertTrue(log.dropped() >= OFFERED - held, "dropped " + log.dropped() + " of " + OFFERED);
        mayWrite.countDown();
        log.close();
        assertEquals(OFFERED, log.written() + log.dropped());
        assertEquals(log.written(), written.toString().lines().count(), "one line per entry written");
        assertEquals(0, log.heldBytes());
    }
}
