package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the layers beneath Undertow cost in socket reads over TLS: one keep-alive request after
 * another takes at most two reads of the socket, the one that brings the request and the one that
 * Undertow's TLS conduit makes after every read that produced plaintext (it runs the reader again,
 * which finds nothing unless the next request has come), as with stock Undertow. A layer of ours
 * that read the socket again (the framing check after a complete head, say) would make it three.
 *
 * <p>Counted by the kernel: the read system calls of the server's IO threads
 * ({@code /proc/self/task/TID/io}, {@code syscr}), around requests sent one at a time, each after
 * the answer to the one before. Nothing else reads on those threads while they run but the
 * selector's wake-up pipe, which a few reads of slack cover.
 */
class TlsSocketReadsTest {
    private static final int REQUESTS = 200;
    /** Reads of the socket per request: the request's, and the TLS conduit's read after it. */
    private static final int READS_PER_REQUEST = 2;
    /** The selector's wake-up pipe (the once-a-second sweep hands work to the IO thread). */
    private static final int SLACK = 20;
    private static final String IO_THREAD = "mpool I/O-";

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture().withTls(TestCertificates.openssl().listener(Duration.ofSeconds(10)));

    @Test
    void aKeepAliveRequestOverTlsTakesAtMostTwoSocketReads() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "no /proc: the kernel's read counts are not there");
        try (SSLSocket socket = TestCertificates.openssl().client().connect(fixture.server().tlsPort(), 20_000)) {
            TlsClient.hello(socket); // the handshake and the first request's reads are not counted
            List<Path> ioThreads = ioThreads();
            assertTrue(!ioThreads.isEmpty(), "no thread named " + IO_THREAD + "* in /proc/self/task");
            long before = readCalls(ioThreads);
            for (int i = 0; i < REQUESTS; i++) {
                TlsClient.hello(socket);
            }
            long reads = readCalls(ioThreads) - before;
            assertTrue(reads >= REQUESTS, "reads=" + reads + " (expected: at least one per request; "
                    + REQUESTS + " requests)");
            assertTrue(reads <= (long) READS_PER_REQUEST * REQUESTS + SLACK, "reads=" + reads + " for " + REQUESTS
                    + " requests (expected: at most " + READS_PER_REQUEST + " socket reads per request + " + SLACK + ")");
        }
        fixture.awaitAllPoolsDestroyed();
    }

    /** The server's IO threads (not the admin listener's), by their names in /proc. */
    private static List<Path> ioThreads() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(task -> {
                try {
                    return Files.readString(task.resolve("comm")).startsWith(IO_THREAD);
                } catch (IOException gone) {
                    return false;
                }
            }).toList();
        }
    }

    /** Read system calls of {@code threads} so far ({@code syscr}). */
    private static long readCalls(List<Path> threads) throws IOException {
        long total = 0;
        for (Path thread : threads) {
            for (String line : Files.readAllLines(thread.resolve("io"))) {
                if (line.startsWith("syscr:")) {
                    total += Long.parseLong(line.substring("syscr:".length()).trim());
                }
            }
        }
        return total;
    }
}
