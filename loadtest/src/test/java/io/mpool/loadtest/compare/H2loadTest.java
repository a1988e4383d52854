package io.mpool.loadtest.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class H2loadTest {

    /** h2load 1.52's summary of a run by count over TLS, two answers refused. */
    private static final String RUN = """
            starting benchmark...
            spawning thread #0: 64 total client(s). 20000 total requests
            TLS Protocol: TLSv1.3
            Cipher: TLS_AES_256_GCM_SHA384
            Server Temp Key: X25519 253 bits
            Application protocol: h2
            progress: 100% done

            finished in 6.48s, 3087.94 req/s, 166.37KB/s
            requests: 20000 total, 20000 started, 19998 done, 19997 succeeded, 1 failed, 2 errored, 0 timeout
            status codes: 19995 2xx, 0 3xx, 1 4xx, 1 5xx
            traffic: 1.05MB (1103780) total, 528.88KB (541580) headers (space savings 93.29%), 117.19KB (120000) data
                                 min         max         mean         sd        +/- sd
            time for request:      732us     15.01ms      4.66ms      6.93ms    75.00%
            """;

    @Test
    void theSummaryGivesDoneFailedRateMeanAndProtocol() throws IOException {
        H2load.Result result = H2load.parse(RUN, "h2load ...");
        assertEquals(19998, result.done());
        assertEquals(1 + 2 + 1 + 1, result.failed(), "failed, errored, 4xx and 5xx");
        assertEquals(3087.94, result.requestsPerSecond());
        assertEquals(4_660, result.meanMicros());
        assertEquals("h2", result.protocol());
    }

    @Test
    void outputWithoutFiguresIsAnError() {
        assertThrows(IOException.class, () -> H2load.parse("connect: Connection refused\n", "h2load ..."));
    }

    @Test
    void timesAreReadInTheirUnits() {
        assertEquals(732, H2load.micros("732us"));
        assertEquals(15_010, H2load.micros("15.01ms"));
        assertEquals(1_200_000, H2load.micros("1.2s"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> H2load.micros("3min"));
        assertEquals("h2load time=3min (expected: a number with us, ms or s)", bad.getMessage());
    }

    @Test
    void aRunAsksForItsSecondsAtTheLastRateAndAtLeastTwoRoundsOfEveryStream() {
        H2Compare.H2Workload wide = H2Compare.H2Workload.parse("hello-64x10-h2c");
        assertEquals(5_000, H2Compare.requestsFor(1_000, 5, wide));
        assertEquals(2 * 64 * 10, H2Compare.requestsFor(10, 5, wide));
    }

    @Test
    void eightWorkloadsAndAnUnknownOneIsNamed() {
        assertEquals(8, H2Compare.H2Workload.ALL.size());
        assertTrue(H2Compare.H2Workload.parse("echo64k-1x100-h2").tls());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> H2Compare.H2Workload.parse("hello-2x2-h2"));
        assertTrue(bad.getMessage().startsWith("--workloads=hello-2x2-h2 (expected: one of hello-1x100-h2c, "),
                bad.getMessage());
    }

    @Test
    void theNginxConfigSpeaksHttp2OnBothListeners() {
        String config = H2Compare.nginxConfig(8080, 8443, new Https.Certificate(Path.of("c.pem"),
                Path.of("k.pem")));
        assertTrue(config.contains("listen 127.0.0.1:8080 http2 backlog=4096;"), config);
        assertTrue(config.contains("listen 127.0.0.1:8443 ssl http2 backlog=4096;"), config);
        assertEquals(List.of(2, 2), List.of(config.split("location = /hello").length - 1,
                config.split("location = /echo").length - 1));
    }
}
