package io.mpool.server.connection;

import io.mpool.server.transport.TlsDescription;

/**
 * The connection a {@link ConnectionBufferPool} belongs to, as the pool needs it: one reference in
 * the pool instead of a callback object per event (an idle connection pays for every object it
 * keeps). {@link Connection} is the owner of every served connection's pool; pools of tests and
 * benchmarks have a label and a callback ({@link ConnectionRegistry#openPool(Object, Runnable)}).
 */
interface PoolOwner {
    /** The connection's id, the pool's too. */
    long id();

    /** The connection's listener's registry: what every pool of the listener shares (arena, sizes, cap). */
    ConnectionRegistry registry();

    /**
     * The pool could not get memory (the arena at its bound, the connection at its cap): answer
     * 503 if a request can still get one, else close. Called on the thread that asked.
     */
    void allocationRefused(RuntimeException refusal);

    /** The pool's last page is back in the arena: the connection can be forgotten. */
    void poolDestroyed();

    /** The peer's address as text, made when asked (messages, the admin view). */
    String peer();

    /** The connection's TLS session as far as its handshake got; null on a plain connection (or none yet). */
    default TlsDescription tlsSession() {
        return null;
    }
}
