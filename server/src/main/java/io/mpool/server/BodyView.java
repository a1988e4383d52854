package io.mpool.server;

import io.mpool.server.body.SpillFile;
import io.mpool.server.connection.RegionHold;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A whole request body, read by {@link RequestBody}: in blocks of the connection's pool, or in a
 * temp file when it passed {@code --body-in-memory-max}. Read-only.
 *
 * <h2>Ownership (who may touch it when)</h2>
 * <ul>
 *   <li>The request holds one reference, dropped when its exchange completes.</li>
 *   <li>{@link #retain()} adds one, for use after the exchange (on a worker, say); each retain
 *   is paired with exactly one {@link #release()}, by whoever holds it. While any is held, the
 *   connection's next reset waits (the admin view shows {@code resetPending} with the reason).</li>
 *   <li>{@link #release()} never drops the request's own reference: a release without a retain
 *   to pair it with throws {@link IllegalStateException} naming the view and its counts, and
 *   frees nothing (a silent over-release would hand memory someone still reads to the next
 *   request).</li>
 *   <li>After the final release every method but {@link #size()} and {@link #inMemory()} throws
 *   {@link IllegalStateException} naming the connection; the memory belongs to the pool's next
 *   request and the temp file is gone.</li>
 *   <li>{@link #asByteBuffers()} serves only while the request runs (its buffers cannot be
 *   revoked); a retained body is read through {@link #inputStream()}, which checks on every read.</li>
 *   <li>If the connection closes while a retain is still held, the retain is a leak: the view is
 *   revoked (reads throw), counted ({@code retainsLeaked}) and the memory goes back. The
 *   holder's late {@link #release()} then returns false; one more than it retained still throws.</li>
 * </ul>
 *
 * <p>Idiomatic usage (as Jetty's {@code Retainable}):
 * <pre>
 * RequestBody.read(exchange, (ex, body) -&gt; {
 *     BodyView kept = body.retain();          // this handler now holds one reference
 *     worker.execute(() -&gt; {
 *         try (InputStream in = kept.inputStream()) {
 *             ...
 *         } finally {
 *             kept.release();                 // exactly once; true if it freed the body
 *         }
 *     });
 *     Responses.text(ex, 202, "accepted");
 * });
 * </pre>
 * Thread-safe: every access takes the view's lock.
 */
public final class BodyView {
    private final String connection;
    private final ByteBuffer[] blocks;
    private final SpillFile spill;
    private final long size;
    private RegionHold hold;
    /** The request's reference plus the retains; 0 = released for good. */
    private int references = 1;
    /** Retains not yet released; those still held when the view was revoked stay counted here. */
    private int retains;
    private boolean requestRunning = true;
    private boolean revoked;

    BodyView(String connection, ByteBuffer[] blocks, SpillFile spill, long size) {
        this.connection = connection;
        this.blocks = blocks;
        this.spill = spill;
        this.size = size;
    }

    /** Set once, before the view is handed out: the hold that keeps the region from resetting. */
    void holdRegion(RegionHold regionHold) {
        this.hold = regionHold;
    }

    /** Bytes in the body. */
    public long size() {
        return size;
    }

    /** True if the body is in pool memory, false if it went to a temp file. */
    public boolean inMemory() {
        return spill == null;
    }

    /**
     * A stream over the whole body from its first byte (any number of streams, each with its own
     * position). Every read throws {@link IllegalStateException} once the view is released.
     */
    public InputStream inputStream() {
        synchronized (this) {
            checkUsable("inputStream()");
        }
        return new Stream();
    }

    /**
     * The body as read-only buffers over its pool blocks (position 0, limit the bytes in each), in
     * order; only while the request runs, and only for a body in memory.
     *
     * @throws IllegalStateException after the request ended, or when the body is on disk
     */
    public ByteBuffer[] asByteBuffers() {
        synchronized (this) {
            checkUsable("asByteBuffers()");
            if (!requestRunning) {
                throw new IllegalStateException("asByteBuffers() of the request body of " + connection
                        + " after its request ended (a retained body is read through inputStream())");
            }
            if (spill != null) {
                throw new IllegalStateException("asByteBuffers() of the request body of " + connection + ": its "
                        + size + " bytes are in a temp file (inMemory() is false); use inputStream()");
            }
            ByteBuffer[] views = new ByteBuffer[blocks.length];
            for (int i = 0; i < blocks.length; i++) {
                views[i] = blocks[i].asReadOnlyBuffer();
            }
            return views;
        }
    }

    /** One more reference, to use the body after its exchange; pair it with {@link #release()}. */
    public BodyView retain() {
        synchronized (this) {
            checkUsable("retain()");
            references++;
            retains++;
            return this;
        }
    }

    /**
     * Drops the reference one {@link #retain()} took; the last reference gives the memory to the
     * connection's next reset and deletes the temp file.
     *
     * @return true if this release freed the body (it was the last reference), false if another
     *         reference is still held or the view was already revoked when its connection closed
     * @throws IllegalStateException on a release without a retain to pair it with (an over-release),
     *         naming the view and its counts; nothing is freed then
     */
    public boolean release() {
        synchronized (this) {
            if (retains == 0) {
                throw new IllegalStateException("release() on " + this + " without a retain() to pair it with"
                        + " (released once more than retained; the request's own reference is the server's)");
            }
            retains--;
            if (revoked) {
                return false; // the revoke freed it when the connection closed
            }
            if (--references > 0) {
                return false;
            }
        }
        finalRelease();
        return true;
    }

    /** The exchange completed: the request's own reference goes. */
    void requestEnded() {
        synchronized (this) {
            requestRunning = false;
            if (references == 0 || --references > 0) {
                return;
            }
        }
        finalRelease();
    }

    /** The connection closed with a retain unreleased (its lock held): reads throw from now on. */
    void revoke() {
        synchronized (this) {
            references = 0; // the retains still held stay counted: their late releases are not over-releases
            revoked = true;
        }
        if (spill != null) {
            spill.delete();
        }
    }

    /**
     * The temp file the body went to (when not {@link #inMemory()}), open for reading from position
     * 0, for a zero-copy send ({@code exchange.getResponseSender().transferFrom(...)}). Valid while
     * the view is held (the request runs, or a {@link #retain()} is unreleased).
     *
     * @throws IllegalStateException when the body is in memory
     */
    public FileChannel fileChannel() throws IOException {
        if (spill == null) {
            throw new IllegalStateException("the body of " + connection + " is in memory, not in a file"
                    + " (check inMemory() first)");
        }
        return spill.channel();
    }

    SpillFile spill() {
        return spill;
    }

    /** One line: which body, and its counts. */
    @Override
    public String toString() {
        synchronized (this) {
            return "the request body of " + connection + " (size=" + size + " inMemory=" + inMemory()
                    + " references=" + references + " retains=" + retains + (revoked ? " revoked" : "")
                    + (requestRunning ? "" : " requestEnded") + ")";
        }
    }

    private void finalRelease() {
        if (spill != null) {
            spill.delete();
        }
        if (hold != null) {
            hold.release();
        }
    }

    private void checkUsable(String what) {
        if (references == 0) {
            throw new IllegalStateException(what + " on the request body of " + connection + (revoked
                    ? ", revoked when its connection closed while it was still retained"
                    : " after its final release"));
        }
    }

    /** Reads the blocks or the file, each read under the view's lock. */
    private final class Stream extends InputStream {
        private long position;
        private int block;
        private int offsetInBlock;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] destination, int offset, int length) throws IOException {
            synchronized (BodyView.this) {
                checkUsable("read");
                if (length == 0) {
                    return 0;
                }
                if (position >= size) {
                    return -1;
                }
                int read = spill != null ? spill.read(ByteBuffer.wrap(destination, offset, length), position)
                        : readBlocks(destination, offset, length);
                if (read > 0) {
                    position += read;
                }
                return read;
            }
        }

        private int readBlocks(byte[] destination, int offset, int length) {
            int copied = 0;
            while (copied < length && block < blocks.length) {
                ByteBuffer current = blocks[block];
                int n = Math.min(length - copied, current.limit() - offsetInBlock);
                current.get(offsetInBlock, destination, offset + copied, n);
                copied += n;
                offsetInBlock += n;
                if (offsetInBlock == current.limit()) {
                    block++;
                    offsetInBlock = 0;
                }
            }
            return copied;
        }

        @Override
        public int available() {
            synchronized (BodyView.this) {
                return references == 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, size - position);
            }
        }
    }
}
