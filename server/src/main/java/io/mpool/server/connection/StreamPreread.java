package io.mpool.server.connection;

import io.undertow.protocols.http2.Http2Channel;
import io.undertow.protocols.http2.Http2StreamSourceChannel;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.channels.Channels;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.Conduits;
import org.xnio.conduits.ReadReadyHandler;
import org.xnio.conduits.StreamSourceConduit;

/**
 * A stream's request body copied into the stream's own region as it arrives, as nginx's
 * {@code preread} does ({@code ngx_http_v2_state_read_data} into {@code stream->preread}), and
 * the exchange reads it from there. Undertow hands a stream's DATA to it as views of the
 * connection's read buffers; a handler that does not read would keep those buffers (up to 16) for
 * as long as it stalls. Here the bytes are taken off the shared buffer on the IO thread the moment
 * they come, so a stalled stream pins none of the connection's buffers, only its own chunks.
 * An exchange that is waiting for its body when the bytes come (its reads resumed, on the IO
 * thread, nothing copied yet) is woken first and reads them straight off the connection's buffer,
 * as it would from Undertow's stream: a body read at once is never copied twice; only what it
 * leaves is copied.
 *
 * <p>The stream's flow-control window is ours: Undertow sends a stream's WINDOW_UPDATE when its
 * channel is read, which here would be as the bytes are copied, and a client could then send
 * without end to a handler that reads nothing. Undertow's own bookkeeping of the window is held
 * open ({@link Http2Windows#holdReceiveWindowOpen}) so it never sends one; this class sends it as
 * the exchange reads, once half the window is read (Undertow's rule). The copy is thus bounded by
 * the window ({@code --http2} initial window, 64 KB): a client that sends past it breaks flow
 * control and its stream is reset with FLOW_CONTROL_ERROR. (The connection's window is still
 * Undertow's, opened as bytes are copied: what each stream may send is bounded by its own.)
 *
 * <p>Padding: a padded DATA frame counts whole against the windows (RFC 9113, 6.1: the pad length
 * byte and the padding too), but its padding is never delivered, so no read would ever give it
 * back and the client's window would shrink by it for good, until a long padded body stalls.
 * Undertow counts a frame's padding as its header is handled (on the connection's window, where
 * it also gives it back, and on the stream's, held open here): the copy reads that count off the
 * stream's window after each read ({@link Http2Windows#receiveWindow}) and gives the padding back
 * with the next WINDOW_UPDATE, whether or not the exchange reads.
 *
 * <p>Threads: the copy runs on the connection's IO thread; the exchange reads on the IO thread or
 * a worker (blocking). Both under this object's lock; {@link #awaitReadable} waits on it.
 */
final class StreamPreread implements StreamSourceConduit, ChannelListener<Channel> {
    private static final Logger LOG = Logger.getLogger(StreamPreread.class.getName());
    /** Bytes of one chunk of the copy: a page, so a chunk is one arena page outside the region's nodes. */
    static final int CHUNK_SIZE = 4096;

    private final Http2StreamSourceChannel source;
    private final Http2Channel channel;
    private final StreamRegion region;
    private final int streamId;
    /** The initial window: what the client may send before the first WINDOW_UPDATE. */
    private final int window;
    /** What the exchange runs when the body has been read to its end (Undertow's request termination). */
    private final Runnable onEnd;
    /** Chunks holding copied bytes, oldest first: position..limit unread, limit..capacity free. */
    private final ArrayDeque<ByteBuffer> chunks = new ArrayDeque<>();
    /** Read chunks kept for the next bytes: the region never frees a chunk, so they are used again. */
    private final ArrayDeque<ByteBuffer> spare = new ArrayDeque<>();
    /** Bytes copied and not yet read by the exchange (volatile: the admin view reads it under the connection's lock). */
    private volatile long buffered;
    /** Bytes received (padding too) and bytes the client was allowed (the initial window plus every update). */
    private long received;
    private long granted;
    /** Bytes read by the exchange, and padding, not given back yet: the next WINDOW_UPDATE's increment. */
    private int owedSinceUpdate;
    /** A WINDOW_UPDATE to send once the lock is let go (sent outside it: Undertow takes its own locks). */
    private int updateDue;
    private boolean sourceEnded;
    private boolean endReported;
    /** Set when the stream's exchange has ended: the chunks went with the region. */
    private boolean closed;
    private IOException failure;
    private ReadReadyHandler handler;
    private boolean resumed;

    StreamPreread(Http2StreamSourceChannel source, Http2Channel channel, StreamRegion region, Runnable onEnd) {
        this.source = source;
        this.channel = channel;
        this.region = region;
        this.streamId = source.getStreamId();
        this.window = channel.getInitialReceiveWindowSize();
        this.granted = window;
        this.onEnd = onEnd;
    }

    /** Starts copying: from now on the stream's DATA is taken as it comes. */
    void start() {
        int paddingBefore = window - Http2Windows.receiveWindow(source); // nothing was read before the copy
        Http2Windows.holdReceiveWindowOpen(source);
        synchronized (this) {
            padding(paddingBefore);
        }
        source.getReadSetter().set(this);
        source.resumeReads();
    }

    // ---- the copy, on the IO thread ----

    @Override
    public void handleEvent(Channel ignored) {
        if (readsDirectly()) {
            readReady(); // the exchange waits for bytes and has none copied: it reads them off the stream itself
        }
        boolean ready;
        int update;
        synchronized (this) {
            if (closed) {
                drainAfterClose();
                return;
            }
            try {
                copyAvailable();
            } catch (IOException | RuntimeException e) {
                fail(e instanceof IOException io ? io : new IOException(e));
            }
            ready = (buffered > 0 || sourceEnded || failure != null);
            update = failure == null ? updateDue : 0;
            updateDue = 0;
            notifyAll();
        }
        if (update > 0) {
            giveBackPadding(update);
        }
        if (ready) {
            readReady();
        }
    }

    private void giveBackPadding(int update) {
        try {
            channel.sendUpdateWindowSize(streamId, update);
        } catch (IOException e) {
            LOG.log(Level.FINE, "HTTP/2 stream " + streamId + ": its WINDOW_UPDATE failed", e);
            IoUtils.safeClose(channel); // as Undertow does when it gives padding back and cannot
        }
    }

    /**
     * Whether the exchange waits for read events with nothing copied for it: it is woken at once
     * and reads the stream's bytes straight off the connection's buffer ({@link #readDirect}), and
     * only what it leaves is copied.
     */
    private synchronized boolean readsDirectly() {
        return resumed && handler != null && buffered == 0 && !closed && failure == null && !sourceEnded;
    }

    private void copyAvailable() throws IOException {
        while (!sourceEnded && failure == null) {
            ByteBuffer chunk = chunkWithRoom();
            ByteBuffer free = chunk.duplicate().position(chunk.limit()).limit(chunk.capacity());
            int read = readSource(free);
            if (read <= 0) {
                return;
            }
            chunk.limit(chunk.limit() + read);
            buffered += read;
            if (failure != null) {
                return; // past the window: the stream is reset
            }
        }
    }

    /**
     * Reads the stream into {@code dst} and counts what came against the stream's window: the bytes
     * (received), and the padding Undertow counted, given back at once (lock held). 0 after a
     * failure, -1 at the body's end.
     */
    private int readSource(ByteBuffer dst) throws IOException {
        int read = source.read(dst);
        int counted = Http2Windows.HELD_OPEN - Http2Windows.receiveWindow(source); // the bytes read and padding
        Http2Windows.holdReceiveWindowOpen(source);
        padding(counted - Math.max(read, 0));
        if (failure != null) {
            return 0; // the stream is failing: its bytes are dropped
        }
        if (read == -1) {
            sourceEnded = true;
            source.suspendReads();
            return -1;
        }
        received += read;
        withinWindow();
        return read;
    }

    /**
     * The exchange reads on the IO thread with nothing copied: straight from the stream into
     * {@code dst} (one copy, as Undertow's own reads make), the bytes given back to the window as
     * read (lock held).
     */
    private int readDirect(ByteBuffer dst) throws IOException {
        int read = readSource(dst);
        if (failure != null) {
            throw failure;
        }
        if (read > 0) {
            giveBack(read);
        }
        return read;
    }

    /** Whether the client kept to the stream's window; if not, the stream is reset (lock held). */
    private boolean withinWindow() {
        if (received <= granted) {
            return true;
        }
        channel.sendRstStream(streamId, Http2Channel.ERROR_FLOW_CONTROL_ERROR);
        fail(new IOException("stream " + streamId + " sent " + received + " bytes with a window of "
                + granted + " (flow control)"));
        return false;
    }

    /**
     * {@code bytes} of padding (and pad length bytes) came: they used the window and are given back
     * at once, since no read will deliver them (lock held).
     */
    private void padding(int bytes) {
        if (bytes <= 0) {
            return;
        }
        received += bytes;
        if (withinWindow()) {
            giveBack(bytes);
        }
    }

    /**
     * Gives {@code bytes} of the window back to the client: a WINDOW_UPDATE is due once half the
     * window is to be given back (Undertow's rule), none after the body's end (lock held).
     */
    private void giveBack(int bytes) {
        owedSinceUpdate += bytes;
        if (owedSinceUpdate >= window / 2 && !sourceEnded) {
            granted += owedSinceUpdate;
            updateDue += owedSinceUpdate;
            owedSinceUpdate = 0;
        }
    }

    /** The last chunk if it has room, else a spare or a new one from the region. */
    private ByteBuffer chunkWithRoom() {
        ByteBuffer last = chunks.peekLast();
        if (last != null && last.limit() < last.capacity()) {
            return last;
        }
        ByteBuffer chunk = spare.poll();
        if (chunk == null) {
            chunk = region.allocateFromPool(CHUNK_SIZE, false); // the cap or the arena may refuse: the stream fails
        }
        chunk.clear().limit(0);
        chunks.add(chunk);
        return chunk;
    }

    private void fail(IOException e) {
        if (failure == null) {
            failure = e;
            LOG.log(Level.FINE, "HTTP/2 stream " + streamId + ": copying its body failed", e);
            source.suspendReads();
        }
    }

    private void drainAfterClose() {
        try {
            if (Channels.drain(source, Long.MAX_VALUE) == -1) {
                source.suspendReads();
            }
        } catch (IOException e) {
            source.suspendReads(); // the stream is gone
        }
    }

    private void readReady() {
        ReadReadyHandler ready;
        synchronized (this) {
            ready = resumed ? handler : null;
        }
        if (ready != null) {
            ready.readReady();
        }
    }

    /**
     * The connection's channel has closed: no more bytes will come, and a reader waiting for them
     * (or Undertow's end of the exchange, which drains the body) gets the failure instead.
     */
    void connectionClosed() {
        synchronized (this) {
            if (sourceEnded || closed) {
                return;
            }
            fail(new IOException("the HTTP/2 connection of stream " + streamId + " closed before its body's end"));
            notifyAll();
        }
        readReady();
    }

    /** The stream's exchange has ended (its region is about to go): no more chunks, later DATA dropped. */
    synchronized void close() {
        closed = true;
        chunks.clear();
        spare.clear();
        buffered = 0;
        notifyAll();
    }

    // ---- what the exchange reads ----

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int read;
        boolean end;
        int update;
        synchronized (this) {
            read = take(dst);
            if (read == 0 && buffered == 0 && !sourceEnded && source.getIoThread() == Thread.currentThread()) {
                read = readDirect(dst);
            }
            end = read == -1 && !endReported;
            if (end) {
                endReported = true;
            }
            update = updateDue;
            updateDue = 0;
        }
        if (update > 0) {
            channel.sendUpdateWindowSize(streamId, update);
        }
        if (end) {
            onEnd.run();
        }
        return read;
    }

    /** Copies into {@code dst} (lock held); -1 once the body has been read to its end. */
    private int take(ByteBuffer dst) throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (closed) {
            return -1;
        }
        int total = 0;
        while (dst.hasRemaining() && !chunks.isEmpty()) {
            ByteBuffer chunk = chunks.peek();
            int count = Math.min(dst.remaining(), chunk.remaining());
            dst.put(chunk.duplicate().limit(chunk.position() + count));
            chunk.position(chunk.position() + count);
            total += count;
            if (!chunk.hasRemaining()) {
                if (chunk.limit() < chunk.capacity() && chunks.size() == 1) {
                    break; // the chunk being filled: the next bytes go on in it
                }
                spare.add(chunks.poll());
            }
        }
        if (total == 0) {
            return sourceEnded ? -1 : 0;
        }
        buffered -= total;
        giveBack(total);
        return total;
    }

    @Override
    public long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
        long total = 0;
        for (int i = offs; i < offs + len; i++) {
            if (!dsts[i].hasRemaining()) {
                continue;
            }
            int read = read(dsts[i]);
            if (read == -1) {
                return total == 0 ? -1 : total;
            }
            total += read;
            if (dsts[i].hasRemaining()) {
                break;
            }
        }
        return total;
    }

    @Override
    public long transferTo(long position, long count, FileChannel target) throws IOException {
        ByteBuffer through = ByteBuffer.allocate((int) Math.min(count, CHUNK_SIZE));
        long total = 0;
        while (total < count) {
            through.clear().limit((int) Math.min(through.capacity(), count - total));
            int read = read(through);
            if (read <= 0) {
                return total == 0 ? read : total;
            }
            through.flip();
            while (through.hasRemaining()) {
                total += target.write(through, position + total);
            }
        }
        return total;
    }

    @Override
    public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) throws IOException {
        return Conduits.transfer(this, count, throughBuffer, target);
    }

    @Override
    public void terminateReads() throws IOException {
        source.shutdownReads();
    }

    @Override
    public synchronized boolean isReadShutdown() {
        return closed || endReported;
    }

    @Override
    public void resumeReads() {
        boolean ready;
        synchronized (this) {
            resumed = true;
            ready = buffered > 0 || sourceEnded || failure != null || closed;
        }
        if (ready) {
            source.getIoThread().execute(this::readReady);
        }
    }

    @Override
    public synchronized void suspendReads() {
        resumed = false;
    }

    @Override
    public void wakeupReads() {
        synchronized (this) {
            resumed = true;
        }
        source.getIoThread().execute(this::readReady);
    }

    @Override
    public synchronized boolean isReadResumed() {
        return resumed;
    }

    @Override
    public synchronized void awaitReadable() throws IOException {
        while (buffered == 0 && !sourceEnded && failure == null && !closed) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("waiting for the body of stream " + streamId);
            }
        }
    }

    @Override
    public synchronized void awaitReadable(long time, TimeUnit timeUnit) throws IOException {
        long deadline = System.nanoTime() + timeUnit.toNanos(time);
        while (buffered == 0 && !sourceEnded && failure == null && !closed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("waiting for the body of stream " + streamId);
            }
        }
    }

    @Override
    public XnioIoThread getReadThread() {
        return source.getIoThread();
    }

    @Override
    public synchronized void setReadReadyHandler(ReadReadyHandler handler) {
        this.handler = handler;
    }

    @Override
    public XnioWorker getWorker() {
        return source.getWorker();
    }

    /** Bytes copied and not read yet, for the admin view. */
    long buffered() {
        return buffered;
    }
}
