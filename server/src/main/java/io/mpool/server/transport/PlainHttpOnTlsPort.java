package io.mpool.server.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.xnio.StreamConnection;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.StreamSourceConduit;

/**
 * Beneath the TLS engine of an HTTPS connection: looks at the first byte the client sends. A TLS
 * client starts with a handshake record (content type 22); a client speaking plain HTTP starts with
 * a method, in capital letters. That one is answered 400 in plain text, as nginx answers it ("The
 * plain HTTP request was sent to HTTPS port"), and closed, instead of a TLS alert it cannot read.
 * Anything else goes to the engine, which fails the handshake on bytes that are not TLS.
 */
public final class PlainHttpOnTlsPort extends AbstractStreamSourceConduit<StreamSourceConduit> {
    /** TLS record content type of a handshake message (RFC 8446 section 5.1: {@code handshake(22)}). */
    static final byte HANDSHAKE_RECORD = 22;
    static final String ANSWER = "The plain HTTP request was sent to HTTPS port";

    private final StreamConnection channel;
    private boolean firstByteSeen;

    private PlainHttpOnTlsPort(StreamConnection channel) {
        super(channel.getSourceChannel().getConduit());
        this.channel = channel;
    }

    /** Installs the check on {@code channel}'s reads; call before the TLS engine wraps it. */
    public static void install(StreamConnection channel) {
        channel.getSourceChannel().setConduit(new PlainHttpOnTlsPort(channel));
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int start = dst.position();
        int read = next.read(dst);
        if (read > 0 && !firstByteSeen) {
            firstByteSeen = true;
            byte first = dst.get(start);
            if (first != HANDSHAKE_RECORD && first >= 'A' && first <= 'Z') {
                dst.position(start);
                DirectAnswer.sendAndClose(channel, 400, ANSWER);
                return -1;
            }
        }
        return read;
    }

    @Override
    public long read(ByteBuffer[] dsts, int offs, int len) throws IOException {
        for (int i = offs; i < offs + len; i++) {
            if (dsts[i].hasRemaining()) {
                return read(dsts[i]);
            }
        }
        return 0;
    }
}
