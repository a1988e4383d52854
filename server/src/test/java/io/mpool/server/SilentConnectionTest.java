package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mpool.mempool.MpPool;
import io.mpool.server.connection.ConnectionSummary;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A connection that has sent nothing holds only its pool's node: Undertow's first read finds no
 * bytes and its buffer goes back to the arena, and building Undertow's listener takes no buffer.
 */
class SilentConnectionTest {
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
}
