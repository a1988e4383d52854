package io.mpool.server.transport;

import org.xnio.StreamConnection;

/**
 * A listener's accept-side limit: whether a newly accepted connection may stay, checked before
 * anything is set up for it. The main listeners use {@link ConnectionLimiter}; the admin listener
 * a small cap of its own.
 */
public interface Admission {
    /**
     * A place for {@code channel}, or null: refused, and then already answered and closed.
     */
    Slot admit(StreamConnection channel);

    /** One admitted connection's place; each call has its effect once, from any thread. */
    interface Slot {
        /** The connection's first request head is complete. */
        void headArrived();

        /** The connection closed: its place is free. */
        void closed();
    }
}
