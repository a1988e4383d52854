package io.mpool.loadtest.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The window's count of responses: bytes acked per socket from {@code ss -tinH}, grown over sockets open at both ends. */
class MidRunWindowTest {
    /** {@code ss -tinH state established '( sport = :8080 )'}: two sockets, one nothing acked yet. */
    private static final String SS = """
            0      2097152 127.0.0.1:8080 127.0.0.1:40000
            \t bbr wscale:10,10 rto:201 rtt:0.02/0.01 mss:32768 cwnd:10 bytes_sent:3145900 bytes_acked:3145729 bytes_received:120
            0      0       127.0.0.1:8080 127.0.0.1:40002
            \t bbr wscale:10,10 rto:201 rtt:0.02/0.01 mss:32768 cwnd:10 bytes_received:40
            """;

    @Test
    void eachSocketsAckedBytesAreReadByItsPeer() {
        assertEquals(Map.of("127.0.0.1:40000", 3_145_729L), MidRunWindow.parseAcked(SS));
        assertEquals(Map.of(), MidRunWindow.parseAcked(""));
    }

    /** A socket opened or closed within the window counts nothing: only what was sent between the readings counts. */
    @Test
    void theGrowthCountsOnlySocketsOpenAtBothEnds() {
        Map<String, Long> before = Map.of("a", 1_000L, "b", 5_000L, "gone", 9_000L);
        Map<String, Long> after = Map.of("a", 1_500L, "b", 7_000L, "new", 3_000L);
        assertEquals(500 + 2_000, MidRunWindow.ackedGrowth(before, after));
    }
}
