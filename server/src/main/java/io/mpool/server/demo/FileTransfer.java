package io.mpool.server.demo;

import io.undertow.UndertowLogger;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpServerConnection;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSinkChannel;

/**
 * A file sent as a response's body behind its head, with nothing read into memory: the head goes
 * out on its own, then the whole file by {@code transferFrom} ({@code sendfile}), as nginx sends a
 * file (a {@code writev} of the head, then {@code sendfile}).
 *
 * <p>Why not the {@code Sender}: asked to transfer a file before the head is out, Undertow's
 * response conduit takes a second pooled buffer, reads the file's first buffer's worth into it and
 * writes the head and that chunk together, the rest by {@code sendfile}. For a file larger than a
 * buffer that costs every response a buffer it needs only for a moment (in mpool a 16 KB block
 * the connection keeps: with a thousand connections taking turns, one more cold block per
 * connection) and two copies of those bytes (file to buffer, buffer to socket) that
 * {@code sendfile} does not make. It costs one packet more (the head alone), which a body this
 * large outweighs; smaller files keep the one {@code writev} of head and body.
 *
 * <p>Only for HTTP/1.x in the clear ({@link #sendsFilesByItself}): over TLS or HTTP/2 no
 * {@code sendfile} is possible and the file goes through buffers either way.
 *
 * <p>Runs on the worker thread that starts it, like the sender's transfer: when the socket is full
 * it waits for it to take more and goes on in a worker thread again (reading a file may block). The
 * file is closed and the exchange ended once the transfer has ended, either way.
 */
final class FileTransfer implements Runnable, ChannelListener<StreamSinkChannel> {
    private final HttpServerExchange exchange;
    private final StreamSinkChannel response;
    private final FileChannel file;
    private final long size;
    private long position;
    private boolean headSent;

    private FileTransfer(HttpServerExchange exchange, FileChannel file, long size) {
        this.exchange = exchange;
        this.response = exchange.getResponseChannel();
        this.file = file;
        this.size = size;
    }

    /**
     * Whether a file of {@code size} bytes is sent by this transfer: larger than a pool buffer (a
     * smaller one goes out with its head in one write), on a plain HTTP/1.x connection.
     */
    static boolean sendsFilesByItself(HttpServerExchange exchange, long size) {
        return size > exchange.getConnection().getBufferSize()
                && exchange.getConnection() instanceof HttpServerConnection
                && exchange.getConnection().getSslSessionInfo() == null;
    }

    /** Sends {@code size} bytes of {@code file} from its start as the response body; takes over closing the file. */
    static void send(HttpServerExchange exchange, FileChannel file, long size) {
        new FileTransfer(exchange, file, size).run();
    }

    @Override
    public void run() {
        try {
            if (!headSent) {
                if (!response.flush()) { // the head alone, out of the response conduit's own buffer
                    awaitWritable();
                    return;
                }
                headSent = true;
            }
            while (position < size) {
                long sent = response.transferFrom(file, position, size - position);
                if (sent == 0) {
                    if (file.size() <= position) {
                        throw new EOFException("file shrank to " + file.size() + " bytes while " + size
                                + " were being sent");
                    }
                    awaitWritable();
                    return;
                }
                position += sent;
            }
            IoUtils.safeClose(file);
            finish();
        } catch (IOException e) {
            failed(e);
        }
    }

    /** The socket can take more (IO thread): go on in a worker, as the sender's transfer does. */
    @Override
    public void handleEvent(StreamSinkChannel channel) {
        channel.suspendWrites();
        channel.getWriteSetter().set(null);
        exchange.dispatch(this);
    }

    private void awaitWritable() {
        response.getWriteSetter().set(this);
        response.resumeWrites();
    }

    /** The end of the body: shut down and flushed, then the exchange ends (the {@code Sender}'s close). */
    private void finish() throws IOException {
        response.shutdownWrites();
        if (response.flush()) {
            exchange.endExchange();
            return;
        }
        response.getWriteSetter().set(ChannelListeners.flushingChannelListener(
                flushed -> exchange.endExchange(), (channel, e) -> failed(e)));
        response.resumeWrites();
    }

    /** As Undertow's default callback fails a transfer: logged at its level, the exchange ended, the connection closed. */
    private void failed(IOException e) {
        IoUtils.safeClose(file);
        UndertowLogger.REQUEST_IO_LOGGER.ioException(e);
        try {
            exchange.endExchange();
        } finally {
            IoUtils.safeClose(exchange.getConnection());
        }
    }
}
