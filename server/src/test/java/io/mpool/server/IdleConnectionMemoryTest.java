package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mpool.mempool.MpPool;
import io.mpool.server.connection.ConnectionSummary;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What an idle connection holds. One that has sent nothing holds only its pool's node at once:
 * Undertow's first read finds no bytes and its buffer goes back to the arena, and building
 * Undertow's listener takes no buffer. A keep-alive connection between requests keeps its read
 * buffer for the next request, until the sweep finds it idle and trims it to its node.
 */
class IdleConnectionMemoryTest {
    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Test
    void silentConnectionsHoldOneNodeEach() throws Exception {
        int count = 50;
        List<RawHttp> silent = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                silent.add(fixture.connect());
            }
            long deadline = System.nanoTime() + ServerFixture.SETTLE.toNanos();
            List<ConnectionSummary> summaries = List.of();
            while (System.nanoTime() < deadline) {
                summaries = fixture.server().registry().connections().stream().map(c -> c.summary()).toList();
                if (summaries.size() == count && summaries.stream().allMatch(s -> s.bytesReserved() <= MpPool.NODE_SIZE)) {
                    break;
                }
                Thread.sleep(10);
            }
            assertEquals(count, summaries.size());
            for (ConnectionSummary summary : summaries) {
                assertEquals(MpPool.NODE_SIZE, summary.bytesReserved(), summary.toString());
            }
            assertEquals(count, fixture.server().arena().stats().pagesInUse(), "one page per silent connection");
            assertEquals(0, fixture.server().arena().stats().largeBlocksInUse(), "no buffer held while waiting");
            // They still work once they speak.
            assertEquals("hello\n", silent.get(0).exchange(RawHttp.get("/hello")).text());
        } finally {
            for (RawHttp http : silent) {
                http.close();
            }
        }
    }

    @Test
    void keepAliveConnectionsIdleAfterOneRequestAreTrimmedToTheirNode() throws Exception {
        int count = 200;
        List<RawHttp> idle = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                RawHttp http = fixture.connect();
                idle.add(http);
                assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text());
            }
            long deadline = System.nanoTime() + ServerFixture.SETTLE.toNanos();
            long held = Long.MAX_VALUE;
            while (System.nanoTime() < deadline) {
                held = fixture.server().registry().connections().stream().mapToLong(c -> c.summary().bytesReserved()).sum();
                if (held <= (long) count * MpPool.NODE_SIZE) {
                    break;
                }
                Thread.sleep(50);
            }
            assertEquals((long) count * MpPool.NODE_SIZE, held, "idle connections hold one node each");
            assertEquals(count, fixture.server().arena().stats().pagesInUse());
            assertEquals(0, fixture.server().arena().stats().largeBlocksInUse());
            assertEquals("hello\n", idle.get(count - 1).exchange(RawHttp.get("/hello")).text(), "still served");
        } finally {
            for (RawHttp http : idle) {
                http.close();
            }
        }
    }
}
