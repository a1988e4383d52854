package io.mpool.loadtest.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class WrkTest {

    /** wrk 4.1's summary of a pipelined run, whose 99th percentile it lost. */
    private static final String PIPELINED = """
            Running 2s test @ http://127.0.0.1:18998/hello
              1 threads and 64 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency    63.73ms   94.08ms 423.51ms   81.26%
                Req/Sec    26.28k     9.57k   39.36k    82.35%
              Latency Distribution
                 50%   28.55ms
                 75%   73.78ms
                 90%  325.18ms
                 99%    0.00us
              45040 requests in 2.02s, 5.63MB read
              Socket errors: connect 0, read 2, write 0, timeout 1
              Non-2xx or 3xx responses: 4
            Requests/sec:  22245.63
            Transfer/sec:      2.78MB
            """;

    @Test
    void theSummaryGivesRequestsRatePercentilesAndErrors() throws IOException {
        Wrk.Result result = Wrk.parse(PIPELINED, "wrk ...");
        assertEquals(45040, result.requests());
        assertEquals(22245.63, result.requestsPerSecond());
        assertEquals(28_550, result.p50Micros());
        assertEquals(4 + 2 + 1, result.errors());
    }

    @Test
    void aPercentileWrkPrintsAsZeroIsUnknown() throws IOException {
        assertEquals(-1, Wrk.parse(PIPELINED, "wrk ...").p99Micros());
    }

    @Test
    void outputWithoutFiguresIsAnError() {
        assertThrows(IOException.class, () -> Wrk.parse("unable to connect to 127.0.0.1:1 Connection refused\n", "wrk ..."));
    }

    @Test
    void theBytesReadAreParsedInWrksBinaryUnits() throws IOException {
        assertEquals(Math.round(5.63 * 1024 * 1024), Wrk.parse(PIPELINED, "wrk ...").bytesRead());
        String gigabytes = PIPELINED.replace("5.63MB read", "1.02GB read");
        assertEquals(Math.round(1.02 * 1024 * 1024 * 1024), Wrk.parse(gigabytes, "wrk ...").bytesRead());
        assertEquals(512, Wrk.parse(PIPELINED.replace("5.63MB read", "512.00B read"), "wrk ...").bytesRead());
        assertEquals(-1, Wrk.parse(PIPELINED.replace(", 5.63MB read", ""), "wrk ...").bytesRead());
    }

    /** 1,000 answers of 1 MiB and 200 B of head each, and half of one more still coming: 1,000.5 → 1,001. */
    @Test
    void aStaticRunIsWorthItsBytesOverOneAnswersBytes() {
        int answer = 1024 * 1024 + 200;
        assertEquals(1001, StaticFiles.answers(1000L * answer + answer / 2, answer));
        assertEquals(0, StaticFiles.answers(answer / 3, answer));
    }
}
