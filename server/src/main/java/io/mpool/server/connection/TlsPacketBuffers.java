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
 * <p>While a connection is busy, a block the engine closes (three a request: the read of the
 * request, the read that finds no more, the write of the answer) is kept for its next take, so a
 * keep-alive request takes none from the arena; the kept blocks go back when the connection goes
 * idle (the sweep), as nginx frees a connection's TLS buffer when it goes idle and not per read.
 * An idle connection then holds no block and not even the tier's bookkeeping ({@link #blocks}
 * is dropped and made again by the next take).
 *
 * <p>Until the handshake has finished, a block the engine closes goes back to the arena at once; only
 * then does the connection keep free blocks for its next records. A handshake that stalls thus holds
 * what the engine holds: the block with the bytes that came (none while none came), as nginx's
 * buffer-releasing OpenSSL does, and not the one Undertow's handshake read took to unwrap into
 * ({@code SslConduit.doUnwrap} with no reader's buffers: it takes a second block for the plaintext
 * even when the first holds too little for a record, and closes it empty).
 */
public final class TlsPacketBuffers implements ByteBufferPool {
    private final BufferLending connection;
    private final int packetSize;
    /** The blocks, guarded by the connection's lock; null while none is out or kept (idle). */
    private ConnectionBuffers blocks;

    TlsPacketBuffers(BufferLending connection, int packetSize) {
        this.connection = connection;
        this.packetSize = packetSize;
    }

    /**
     * The blocks the next packet buffer comes from, made again after an idle spell; they keep free
     * blocks once {@code session}'s handshake has finished (connection lock held). The session is
     * the connection's ({@link PoolOwner#tlsSession()}), not a field here: one reference less per
     * connection.
     */
    ConnectionBuffers blocksForHandOut(TlsDescription session) {
        ConnectionBuffers tier = blocks;
        if (tier == null) {
            tier = new ConnectionBuffers(connection.registry().arena(), packetSize, connection.stats());
            tier.keepFree(0);
            blocks = tier;
        }
        if (!tier.keepsFree() && session != null && session.finished()) {
            tier.keepFree(ConnectionBuffers.FREE_MAX); // records follow
        }
        return tier;
    }

    /** Arena bytes held, out and kept (connection lock held). */
    long bytes() {
        ConnectionBuffers tier = blocks;
        return tier == null ? 0 : tier.bytes();
    }

    /**
     * Gives the kept blocks back to the arena; with {@code dropTier} (the connection is idle) the
     * tier itself goes too when no block is out (connection lock held).
     */
    void releaseFree(boolean dropTier) {
        ConnectionBuffers tier = blocks;
        if (tier != null) {
            tier.releaseFree();
            if (dropTier && tier.out() == 0) {
                blocks = null;
            }
        }
    }

    /** {@code session} and the arena bytes of the blocks, out and free (connection lock held). */
    TlsSummary summary(TlsDescription session) {
        return session == null ? new TlsSummary(null, null, null, false, -1, bytes())
                : new TlsSummary(session.protocol(), session.cipherSuite(), session.applicationProtocol(),
                        session.resumed(), session.handshakeMicros(), bytes());
    }

    @Override
    public PooledByteBuffer allocate() {
        return connection.allocateTlsPacketBuffer();
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
        return packetSize;
    }

    @Override
    public boolean isDirect() {
        return true;
    }
}
