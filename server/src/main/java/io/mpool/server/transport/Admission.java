package io.mpool.server.transport;

import java.net.InetAddress;
import org.xnio.StreamConnection;

/**
 * A listener's accept-side limit: whether a newly accepted connection may stay, checked before
 * anything is set up for it. The main listeners use {@link ConnectionLimiter}; the admin listener
 * a small cap of its own.
 *
 * <p>An admitted connection keeps its own place: it reports its first request head and its close,
 * each once ({@code Connection} keeps that state in its own fields, so a place costs an idle
 * connection no object).
 */
public interface Admission {
    /**
     * Whether {@code channel} (from {@code address}, null if it has none) may stay: counted if so;
     * if not, already answered and closed.
     */
    boolean admit(StreamConnection channel, InetAddress address);

    /** An admitted connection from {@code address} sent its first complete request head (once). */
    void headArrived(InetAddress address);

    /**
     * An admitted connection from {@code address} closed (once): its place is free, and its
     * unfinished head too unless {@link #headArrived} was reported.
     */
    void closed(InetAddress address, boolean headArrived);
}
