package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mpool.server.config.TlsSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

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
    private static OpensslCertificates ca;
    private static Path certificate;
    private static Path key;

    @TempDir
    static Path shared;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture()
            .withTls(new TlsSettings("127.0.0.1", 0, TlsContexts.fromPem(certificate, key), Duration.ofSeconds(10)));

    @BeforeAll
    static void makeCertificates() throws IOException {
        ca = OpensslCertificates.createCa(Files.createDirectory(shared.resolve("ca")));
        OpensslCertificates.Pair pair = ca.issue(9);
        certificate = Files.writeString(shared.resolve("tls.crt"), pair.certificatePem());
        key = Files.writeString(shared.resolve("tls.key"), pair.keyPem());
    }

    @Test
    void aKeepAliveRequestOverTlsTakesAtMostTwoSocketReads() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "no /proc: the kernel's read counts are not there");
        Socket raw = new Socket();
        raw.connect(new InetSocketAddress("127.0.0.1", fixture.server().tlsPort()), 5_000);
        try (SSLSocket socket = (SSLSocket) ca.clientContext().getSocketFactory().createSocket(raw, "localhost",
                fixture.server().tlsPort(), true)) {
            socket.setSoTimeout(20_000);
            hello(socket); // the handshake and the first request's reads are not counted
            List<Path> ioThreads = ioThreads();
            assertTrue(!ioThreads.isEmpty(), "no thread named " + IO_THREAD + "* in /proc/self/task");
            long before = readCalls(ioThreads);
            for (int i = 0; i < REQUESTS; i++) {
                hello(socket);
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

    private static void hello(SSLSocket socket) throws IOException {
        socket.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        while (!answer.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\nhello\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed mid-answer: " + answer);
            }
            answer.write(b);
        }
    }
}
