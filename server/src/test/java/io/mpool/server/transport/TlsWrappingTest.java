package io.mpool.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.OpensslCertificates;
import io.mpool.server.TlsContexts;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The size of the engine's packet buffers, with the JDK's engines in memory: Undertow's conduit
 * wraps the server's records into one buffer until the engine says it needs more room, then writes
 * the buffer; the server's whole first flight (ServerHello, ChangeCipherSpec, the encrypted rest)
 * has to fit one buffer, or it leaves in a write per record.
 */
class TlsWrappingTest {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    @TempDir
    Path dir;

    @Test
    void theServersFirstFlightFitsOnePacketBuffer() throws Exception {
        OpensslCertificates.Pair pair = OpensslCertificates.createCa(Files.createDirectory(dir.resolve("ca"))).issue(1);
        SSLContext context = TlsContexts.fromPem(Files.writeString(dir.resolve("tls.crt"), pair.certificatePem()),
                Files.writeString(dir.resolve("tls.key"), pair.keyPem()));
        SSLEngine server = context.createSSLEngine();
        server.setUseClientMode(false);
        SSLEngine client = SSLContext.getDefault().createSSLEngine("localhost", 443);
        client.setUseClientMode(true);
        int blockSize = TlsWrapping.packetBlockSize(server.getSession());
        assertTrue(blockSize >= server.getSession().getPacketBufferSize(), "blockSize=" + blockSize);

        ByteBuffer clientHello = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        client.wrap(EMPTY, clientHello);
        clientHello.flip();
        SSLEngineResult read = server.unwrap(clientHello, ByteBuffer.allocate(blockSize));
        HandshakeStatus status = runTasks(server, read.getHandshakeStatus());
        assertEquals(HandshakeStatus.NEED_WRAP, status);

        // What SslConduit.wrapAndFlip does before it writes: wrap while the engine has more to
        // send and the buffer has room for it.
        ByteBuffer flight = ByteBuffer.allocate(blockSize);
        SSLEngineResult wrapped;
        int records = 0;
        do {
            wrapped = server.wrap(EMPTY, flight);
            records += wrapped.bytesProduced() > 0 ? 1 : 0;
            status = runTasks(server, wrapped.getHandshakeStatus());
        } while (status == HandshakeStatus.NEED_WRAP && wrapped.getStatus() != SSLEngineResult.Status.BUFFER_OVERFLOW);
        assertEquals(SSLEngineResult.Status.OK, wrapped.getStatus(), "records in the buffer: " + records);
        assertEquals(HandshakeStatus.NEED_UNWRAP, status, "the flight is all out; records: " + records);
        assertEquals(0, blockSize % 4096, "blockSize=" + blockSize + " (expected: whole arena pages)");
    }

    private static HandshakeStatus runTasks(SSLEngine engine, HandshakeStatus status) {
        while (status == HandshakeStatus.NEED_TASK) {
            Runnable task;
            while ((task = engine.getDelegatedTask()) != null) {
                task.run();
            }
            status = engine.getHandshakeStatus();
        }
        return status;
    }
}
