package io.mpool.server.connection;

import io.mpool.server.transport.TlsDescription;
import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;

/**
 * The buffer pool one connection's TLS engine takes its packet buffers from (Undertow's
 * {@code SslConduit}: the ciphertext read from the socket, the plaintext unwrapped ahead of the
 * reader, the ciphertext wrapped for the socket): blocks of the connection's own, of the session's
 * packet size, booked to the connection like its other buffers ({@link ConnectionBufferPool}).
 *
 * <p>There is no fallback: when the connection is closing, at its cap, or the arena is at its
 * bound, {@link #allocate()} throws and the engine closes the connection. Undertow's own
 * fallback (a shared heap pool for a wrap whose buffer is smaller than the packet size) is never
 * reached, since every block here has the packet size.
 *
 * <p>Until the handshake has finished, a block the engine closes goes back to the arena at once; only
 * then does the connection keep free blocks for its next records. A handshake that stalls thus holds
 * what the engine holds: the block with the bytes that came (none while none came), as nginx's
 * buffer-releasing OpenSSL does, and not the one Undertow's handshake read took to unwrap into
 * ({@code SslConduit.doUnwrap} with no reader's buffers: it takes a second block for the plaintext
 * even when the first holds too little for a record, and closes it empty).
 */
public final class TlsPacketBuffers implements ByteBufferPool {
    private final ConnectionBufferPool connection;
    /** The blocks, guarded by the connection's lock. */
    private final ConnectionBuffers blocks;
    /** The session, for the admin view; null until described. */
    private volatile TlsDescription description;

    TlsPacketBuffers(ConnectionBufferPool connection, ConnectionBuffers blocks) {
        this.connection = connection;
        this.blocks = blocks;
        blocks.keepFree(0); // lock held: the connection made this at accept, before its handshake
    }

    /** What the admin view shows of the connection's TLS session; its end lets blocks be kept. */
    public void describedBy(TlsDescription session) {
        this.description = session;
        session.whenFinished(this::handshakeFinished);
    }

    /** The handshake finished: records follow, and a free block is kept for the next one. */
    private void handshakeFinished() {
        synchronized (connection) {
            blocks.keepFree(ConnectionBuffers.FREE_MAX);
        }
    }

    ConnectionBuffers blocks() {
        return blocks;
    }

    /** The session and the arena bytes of the blocks, out and free (connection lock held). */
    TlsSummary summary() {
        TlsDescription session = description;
        return session == null ? new TlsSummary(null, null, null, false, -1, blocks.bytes())
                : new TlsSummary(session.protocol(), session.cipherSuite(), session.applicationProtocol(),
                        session.resumed(), session.handshakeMicros(), blocks.bytes());
    }

    @Override
    public PooledByteBuffer allocate() {
        return connection.allocateTlsPacketBuffer(blocks, blocks.size());
    }

    @Override
    public ByteBufferPool getArrayBackedPool() {
        return connection.getArrayBackedPool();
    }

    @Override
    public void close() {
        // The connection's destroy gives the blocks back.
    }

    @Override
    public int getBufferSize() {
        return blocks.size();
    }

    @Override
    public boolean isDirect() {
        return true;
    }
}
