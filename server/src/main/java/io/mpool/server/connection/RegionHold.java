package io.mpool.server.connection;

/**
 * Region memory kept past the end of its request (a retained request body): the connection's next
 * reset waits until {@link #release()}, shown on the admin view as a pending reset with its reason.
 *
 * <p>Ownership: whoever took the hold releases it exactly once ({@code release()} is idempotent).
 * A hold still unreleased when its connection closes is a leak: the destroy does not wait for it;
 * it runs the hold's revoke action (under the connection's lock, so the holder must check its own
 * state under a lock of its own before touching the memory), logs and counts it
 * ({@code retainsLeaked}), and gives the memory back.
 */
public final class RegionHold {
    /** The connection whose lock guards the hold. */
    private final ConnectionBufferPool connection;
    /** The HTTP/2 stream whose destroy waits for the hold, or null: the connection's next reset. */
    private final StreamRegion stream;
    private final String what;
    private final Runnable onRevoke;
    /** Guarded by the connection's lock. */
    private boolean ended;

    RegionHold(ConnectionBufferPool connection, StreamRegion stream, String what, Runnable onRevoke) {
        this.connection = connection;
        this.stream = stream;
        this.what = what;
        this.onRevoke = onRevoke;
    }

    /** Lets the connection's reset run (once nothing else holds it). Idempotent; any thread. */
    public void release() {
        synchronized (connection) {
            if (ended) {
                return;
            }
            ended = true;
            if (stream != null) {
                stream.holdReleased(this);
            } else {
                connection.holdReleased(this);
            }
        }
    }

    /** The connection closed with this hold unreleased (lock held): the holder loses the memory. */
    void revoke() {
        assert Thread.holdsLock(connection) : "revoke without the connection's lock";
        ended = true;
        onRevoke.run();
    }

    /** The connection whose memory this holds. */
    public long connectionId() {
        return connection.id();
    }

    String what() {
        return what;
    }

    @Override
    public String toString() {
        return what + " of connection " + connection.id();
    }
}
