package io.mpool.server.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.xnio.StreamConnection;
import org.xnio.conduits.StreamSourceConduit;

/**
 * Tells HTTP/2 from HTTP/1.1 by a connection's first bytes: the client preface of HTTP/2
 * ({@code PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n}, RFC 9113 3.4), sent first with prior knowledge on the
 * plain listener and after ALPN {@code h2} on the TLS one.
 *
 * <p>It sits right above the socket (or the TLS engine's decrypted side), beneath the HTTP/1.1
 * framing check, so that check never sees the preface (it would refuse it as a bad request line).
 * Bytes pass straight through once the first one that differs from the preface has come: for an
 * HTTP/1.1 client that is its first byte, and this conduit costs one comparison per connection.
 * Bytes that match the preface so far are held back from the layers above (a split preface); if a
 * later byte differs they are given back in order. Once the whole preface has come, nothing more is
 * passed up: {@code onPreface} runs on the connection's IO thread with the bytes read after it, and
 * takes the connection over for HTTP/2 beneath the framing check ({@link Http2Connections}).
 */
public final class Http2PrefaceConduit extends InspectingSourceConduit {
    /** The client connection preface (RFC 9113, 3.4). */
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private enum State { UNDECIDED, HTTP_1, HTTP_2 }

    private final StreamConnection connection;
    private final StreamSourceConduit beneath;
    private volatile Consumer<ByteBuffer> onPreface;
    private State state = State.UNDECIDED;
    /** Preface bytes matched so far, held back from the layers above. */
    private int matched;
    /** HTTP/1.1 bytes to give up before reading on (held preface bytes and the read that ended them); or null. */
    private ByteBuffer replay;

    private Http2PrefaceConduit(StreamConnection connection) {
        super(connection.getSourceChannel().getConduit());
        this.connection = connection;
        this.beneath = next;
    }

    /** Installs the check under whatever reads {@code connection} next (before the framing check). */
    public static Http2PrefaceConduit install(StreamConnection connection) {
        Http2PrefaceConduit conduit = new Http2PrefaceConduit(connection);
        connection.getSourceChannel().setConduit(conduit);
        return conduit;
    }

    /** What takes the connection over when the preface has come: given the bytes read after it. */
    public void onPreface(Consumer<ByteBuffer> action) {
        this.onPreface = action;
    }

    /** The conduit beneath this one (the socket's or the TLS engine's): where HTTP/2 reads. */
    public StreamSourceConduit beneath() {
        return beneath;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (state == State.HTTP_1) {
            return replay == null ? next.read(dst) : readReplay(dst);
        }
        if (state == State.HTTP_2) {
            return 0; // the HTTP/2 channel takes the connection over and reads beneath this
        }
        int start = dst.position();
        int read = next.read(dst);
        if (read <= 0) {
            return read;
        }
        int same = 0;
        while (same < read && matched < PREFACE.length && dst.get(start + same) == PREFACE[matched]) {
            same++;
            matched++;
        }
        if (matched == PREFACE.length) {
            state = State.HTTP_2;
            ByteBuffer after = ByteBuffer.allocate(read - same);
            after.put(dst.duplicate().position(start + same).limit(start + read)).flip();
            dst.position(start);
            next.suspendReads();
            Consumer<ByteBuffer> action = onPreface;
            connection.getIoThread().execute(() -> action.accept(after));
            return 0;
        }
        if (same == read) {
            dst.position(start); // all of it may still be the preface: held back
            return 0;
        }
        state = State.HTTP_1;
        onPreface = null; // never runs now: its closure is not kept on every HTTP/1.1 connection
        int held = matched - same; // preface bytes of earlier reads
        if (held == 0) {
            return read;
        }
        replay = ByteBuffer.allocate(held + read);
        replay.put(PREFACE, 0, held).put(dst.duplicate().position(start).limit(start + read)).flip();
        dst.position(start);
        return readReplay(dst);
    }

    private int readReplay(ByteBuffer dst) {
        int count = Math.min(dst.remaining(), replay.remaining());
        dst.put(replay.duplicate().limit(replay.position() + count));
        replay.position(replay.position() + count);
        if (!replay.hasRemaining()) {
            replay = null;
        }
        return count;
    }

    @Override
    public void resumeReads() {
        if (state == State.HTTP_2) {
            return; // the HTTP/1.1 side must not be woken for bytes that are HTTP/2's
        }
        if (replay != null) {
            next.wakeupReads(); // held bytes are ready though the socket may not be
        } else {
            next.resumeReads();
        }
    }

    @Override
    public void wakeupReads() {
        if (state != State.HTTP_2) {
            next.wakeupReads();
        }
    }
}
