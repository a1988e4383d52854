package io.mpool.server;

import io.mpool.mempool.ArenaExhaustedException;
import io.mpool.server.body.BodyLimits;
import io.mpool.server.body.HandlerSettings;
import io.mpool.server.body.SpillFile;
import io.mpool.server.body.SpillFiles;
import io.mpool.server.connection.ConnectionCapExceededException;
import io.mpool.server.framing.MalformedBodyException;
import io.undertow.server.Connectors;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSourceChannel;

/**
 * Reads a whole request body without blocking, then hands it to a {@link Callback} as a
 * {@link BodyView}.
 *
 * <p>The bytes go straight from the request channel into blocks of the connection's pool (a chain
 * of region allocations of at most a buffer each, sized to the {@code Content-Length} when there
 * is one): no copy on the heap. Past {@link BodyLimits#inMemoryMax()} (or half the connection's
 * {@code --connection-max-bytes}, if that is less) the bytes so far and the rest go to a temp file
 * (nginx's {@code client_body_buffer_size} and {@code client_body_temp_path}); a body announced
 * larger goes there from its first byte. The file is deleted by whichever comes first: the view's
 * final release, a region cleanup at the connection's reset or destroy (an abort, a handler that
 * threw), or the server's stop. File writes are plain {@code FileChannel} writes on the IO thread
 * (page-cache writes, as nginx makes them on its event loop).
 *
 * <p>With {@code --pool undertow} there is no region: blocks come from the heap and the same
 * handlers run.
 */
public final class RequestBody implements ChannelListener<StreamSourceChannel> {
    private static final Logger LOG = Logger.getLogger(RequestBody.class.getName());
    /**
     * Read into when every announced byte is in: the fixed-length channel answers -1. One byte, not
     * none: an HTTP/2 stream's channel answers 0 to a read with no room, and only a read with room
     * sees its end. A byte read into it is a body longer than its {@code Content-Length}.
     */
    private final ByteBuffer endOfBody = ByteBuffer.allocate(1);
    /** First size of the block array; most bodies fit (4 blocks of 16 KB is 64 KB). */
    private static final int INITIAL_BLOCKS = 4;
    /**
     * Bytes one read-ready event reads before it yields the IO thread to the connections it
     * shares with: a client sending faster than the disk takes the temp file's writes never lets
     * its socket run empty, and reading until it did stalled every other connection for seconds.
     * 64 KB is four 16 KB buffers (nginx's event loop reads a body a buffer at a time per event;
     * Undertow's own readers return after a buffer).
     */
    static final int MAX_BYTES_PER_EVENT = 64 * 1024;

    /** What to do with the body once it is all read. */
    @FunctionalInterface
    public interface Callback {
        /**
         * Called once, on the thread that read the last bytes (normally the IO thread). An exception
         * gets a 500 if the response has not started (else the connection closes); the body's
         * memory and temp file are given back either way.
         */
        void bodyRead(HttpServerExchange exchange, BodyView body) throws Exception;
    }

    private final HttpServerExchange exchange;
    private final BodyLimits limits;
    private final Callback callback;
    private final RequestRegion region;
    private final String connectionName;
    private final int blockSize;
    private final long contentLength;
    private final long memoryLimit;
    private ByteBuffer[] blocks = new ByteBuffer[INITIAL_BLOCKS];
    private int blockCount;
    private ByteBuffer current;
    private long capacity;
    private long size;
    /** Bytes beyond the memory limit are read into this and appended to {@link #spill}. */
    private ByteBuffer transfer;
    private SpillFile spill;
    /** Set when the body goes to a temp file: announced too large, or the memory budget is taken. */
    private boolean toDisk;
    /** Bytes of {@link BodyLimits#memory()} this body's blocks hold, given back at the request's reset. */
    private long reservedMemory;
    private BodyView view;
    private boolean finished;

    private RequestBody(HttpServerExchange exchange, BodyLimits limits, Callback callback) {
        this.exchange = exchange;
        this.limits = limits;
        this.callback = callback;
        this.region = RequestRegion.of(exchange);
        this.connectionName = region != null ? "connection " + region.connectionId()
                : "connection from " + exchange.getSourceAddress();
        this.blockSize = exchange.getConnection().getBufferSize();
        this.contentLength = exchange.getRequestContentLength();
        this.memoryLimit = region == null ? limits.inMemoryMax()
                : Math.min(limits.inMemoryMax(), region.connectionMaxBytes() / 2);
        this.toDisk = contentLength > memoryLimit; // the file is opened when its first byte comes
    }

    /**
     * Reads {@code exchange}'s whole body and calls {@code callback} with it, within the server's
     * limits ({@code setBodyInMemoryMax}, {@code setBodyTempDir}; the largest body accepted at all,
     * {@code setMaxBodySize}, is enforced with a 413 before the handler runs). Returns at once; the
     * callback may run before (body already buffered) or after this returns, on the IO thread.
     *
     * @throws IllegalStateException when the body was already taken, or the exchange did not come
     *                               through an {@link MpoolServer}
     */
    public static void read(HttpServerExchange exchange, Callback callback) {
        read(exchange, HandlerSettings.of(exchange).bodyLimits(), callback);
    }

    /** {@link #read(HttpServerExchange, Callback)} with limits of the caller's choosing (tests). */
    static void read(HttpServerExchange exchange, BodyLimits limits, Callback callback) {
        RequestBody reader = new RequestBody(exchange, limits, callback);
        exchange.addExchangeCompleteListener((ex, next) -> {
            try {
                reader.exchangeCompleted();
            } finally {
                next.proceed();
            }
        });
        StreamSourceChannel channel = exchange.getRequestChannel();
        if (channel == null) {
            throw new IllegalStateException("the request body of " + reader.connectionName + " was already taken");
        }
        channel.getReadSetter().set(reader);
        reader.handleEvent(channel);
    }

    @Override
    public void handleEvent(StreamSourceChannel channel) {
        if (finished) {
            return;
        }
        try {
            long readThisEvent = 0;
            while (true) {
                if (readThisEvent >= MAX_BYTES_PER_EVENT) {
                    // Yield: the socket is still readable, so the selector calls again, in turn
                    // with the other ready connections of this IO thread.
                    channel.resumeReads();
                    return;
                }
                ByteBuffer destination = nextBuffer();
                int read = channel.read(destination);
                if (read == -1) {
                    channel.suspendReads();
                    complete();
                    return;
                }
                if (read == 0) {
                    channel.resumeReads();
                    return;
                }
                if (destination == endOfBody) {
                    throw new IOException("request body longer than its Content-Length " + contentLength);
                }
                size += read;
                readThisEvent += read;
                if (destination == transfer) {
                    if (spill == null) {
                        startSpill(); // the memory limit was reached and more came
                    }
                    transfer.flip();
                    append(transfer);
                    account(0, read);
                }
            }
        } catch (SpillFiles.SpillRefusedException e) {
            fail(channel);
            LOG.fine(() -> "request body of " + connectionName + " refused: " + e.getMessage());
            refuseBody(503, "the server's temp space for request bodies is full; retry later");
        } catch (SpillFailedException e) {
            fail(channel);
            limits.spillFiles().writeFailed();
            // One line, no stack trace: a full disk repeats for every request until it is fixed.
            LOG.severe(e.getMessage() + ": " + e.getCause());
            refuseBody(e.status, "the server could not store the request body"
                    + (e.status == 503 ? "; retry later" : ""));
        } catch (IOException e) {
            fail(channel);
            answerFailure(exchange, e, "whole request body");
        } catch (ArenaExhaustedException | ConnectionCapExceededException e) {
            // Already counted and logged by the pool; outside the handler's own call no 503 can
            // be written through a pool that refuses: the connection closes.
            fail(channel);
            LOG.log(Level.FINE, "request body of " + connectionName + " refused memory", e);
            IoUtils.safeClose(exchange.getConnection());
        }
    }

    /** A 5xx (the server's trouble, not the client's), the rest of the body never read; or a close. */
    private void refuseBody(int status, String reason) {
        if (exchange.isResponseStarted()) {
            IoUtils.safeClose(exchange.getConnection());
        } else {
            Connectors.terminateRequest(exchange); // the rest of the body is never read
            exchange.setPersistent(false);
            text(exchange, status, reason);
        }
    }

    /** Where the next read goes: the current block, a new one, or the transfer buffer. */
    private ByteBuffer nextBuffer() {
        if (spill != null || toDisk) {
            return clearedTransfer();
        }
        if (current != null && current.hasRemaining()) {
            return current;
        }
        long wanted = contentLength >= 0 ? contentLength - capacity : blockSize;
        if (wanted <= 0) {
            return endOfBody.clear();
        }
        long room = memoryLimit - capacity;
        if (room > 0) {
            int n = (int) Math.min(blockSize, Math.min(room, wanted));
            if (!reserveMemory(n)) {
                toDisk = true;
                limits.memory().spilledEarly();
                return clearedTransfer();
            }
            current = allocate(n);
            if (blockCount == blocks.length) {
                blocks = Arrays.copyOf(blocks, blockCount * 2);
            }
            blocks[blockCount++] = current;
            capacity += n;
            account(n, 0);
            return current;
        }
        return clearedTransfer();
    }

    private ByteBuffer clearedTransfer() {
        if (transfer == null) {
            transfer = allocate(blockSize);
        }
        transfer.clear();
        return transfer;
    }

    /**
     * Takes {@code bytes} of the server's budget for bodies in memory; the first reservation
     * registers its release with the request's reset (with no region: the exchange's end).
     */
    private boolean reserveMemory(int bytes) {
        if (!limits.memory().tryReserve(bytes)) {
            return false;
        }
        if (reservedMemory == 0 && region != null) {
            region.addCleanup(this::releaseMemory);
        }
        reservedMemory += bytes;
        return true;
    }

    private void releaseMemory() {
        long bytes = reservedMemory;
        reservedMemory = 0;
        if (bytes > 0) {
            limits.memory().release(bytes);
        }
    }

    /** Appends to the temp file; a failed write (a full disk) becomes the server's 503. */
    private void append(ByteBuffer data) throws IOException {
        try {
            spill.append(data);
        } catch (SpillFiles.SpillRefusedException e) {
            throw e;
        } catch (IOException e) {
            throw new SpillFailedException(503, "cannot write the request body of " + connectionName + " to "
                    + spill.path(), e); // a full disk: other requests may free space
        }
    }

    /** Opens the temp file, moves what is in memory into it, reads into {@link #transfer} from now on. */
    private void startSpill() throws IOException {
        try {
            spill = limits.spillFiles().create(limits.tempDir());
        } catch (IOException e) {
            throw new SpillFailedException(500, "cannot create a temp file for the request body of " + connectionName
                    + " in --body-temp-dir=" + limits.tempDir(), e);
        }
        if (region != null) {
            SpillFile file = spill;
            region.addCleanup(file::delete);
        }
        long inMemory = 0;
        for (int i = 0; i < blockCount; i++) {
            ByteBuffer block = blocks[i];
            inMemory += block.position();
            block.flip();
            append(block);
        }
        account(-capacity, inMemory);
        blockCount = 0;
        current = null;
        if (transfer == null) {
            transfer = allocate(blockSize);
        }
    }

    private void complete() {
        finished = true;
        ByteBuffer[] filled = new ByteBuffer[spill == null ? blockCount : 0];
        for (int i = 0; i < filled.length; i++) {
            filled[i] = blocks[i].flip();
        }
        blocks = null;
        view = new BodyView(connectionName, filled, spill, size);
        try {
            if (region != null) {
                view.holdRegion(region.hold("request body (" + size + " bytes)", view::revoke));
            }
            callback.bodyRead(exchange, view);
        } catch (Exception | AssertionError e) {
            LOG.log(Level.WARNING, "handler of the request body of " + connectionName + " failed", e);
            if (exchange.isResponseStarted()) {
                IoUtils.safeClose(exchange.getConnection());
            } else {
                text(exchange, 500, "the handler failed on the request body");
            }
        }
    }

    /** The body could not be read: its temp file goes now, its memory with the connection's reset. */
    private void fail(StreamSourceChannel channel) {
        finished = true;
        channel.suspendReads();
        if (spill != null) {
            spill.delete();
        }
    }

    /** However the exchange ended: the request's reference on the body goes, or an unfinished read's file. */
    private void exchangeCompleted() {
        if (region == null) {
            releaseMemory(); // heap blocks: no reset to wait for
        }
        if (view != null) {
            view.requestEnded();
            return;
        }
        finished = true;
        if (spill != null) {
            spill.delete();
        }
    }

    /** The temp file could not be created or written: the server's fault, not the client's. */
    private static final class SpillFailedException extends IOException {
        private static final long serialVersionUID = 1L;

        /** 500 for a temp dir that cannot take files at all, 503 for a write that failed (a full disk). */
        final int status;

        SpillFailedException(int status, String message, IOException cause) {
            super(message, cause);
            this.status = status;
        }
    }

    private ByteBuffer allocate(int size) {
        return region != null ? region.allocate(size) : ByteBuffer.allocate(size);
    }

    private void account(long inMemory, long onDisk) {
        if (region != null) {
            region.accountBody(inMemory, onDisk);
        }
    }

    /**
     * Answers a request body read that failed, for handlers that read the request channel
     * themselves: a body with broken framing (a bad chunk size line, chunks adding up past the
     * largest body allowed) gets its 400 or 413 if the response has not started, and the
     * connection closes after it; anything else (the client gone, a read timeout) closes the
     * connection at once.
     *
     * @param what names the reader in the debug log
     */
    public static void answerFailure(HttpServerExchange exchange, IOException failure, String what) {
        MalformedBodyException malformed = MalformedBodyException.find(failure);
        if (malformed != null && !exchange.isResponseStarted()) {
            Connectors.terminateRequest(exchange); // do not drain the rest of a broken body
            exchange.setPersistent(false);
            text(exchange, malformed.violation().status(), malformed.violation().reason());
            return;
        }
        LOG.log(Level.FINE, what + " from " + exchange.getSourceAddress() + " failed", failure);
        IoUtils.safeClose(exchange.getConnection());
    }

    /** Ends the exchange with {@code status} and a one-line text body. */
    private static void text(HttpServerExchange exchange, int status, String body) {
        byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, bytes.length);
        exchange.getResponseSender().send(ByteBuffer.wrap(bytes));
    }
}
