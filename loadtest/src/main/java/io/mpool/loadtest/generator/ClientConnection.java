package io.mpool.loadtest.generator;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;

/** One client connection's state: what is queued to write, what is in flight, the parser. */
final class ClientConnection {
    SocketChannel channel;
    SelectionKey key;
    boolean connected;
    final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);
    final ArrayDeque<ByteBuffer> pendingWrites = new ArrayDeque<>();
    final ResponseParser parser = new ResponseParser();
    boolean parserPrimed;
    /** Requests sent and not yet answered, oldest first, with the time each was sent. */
    final ArrayDeque<RequestMix.Template> inFlight = new ArrayDeque<>();
    final ArrayDeque<long[]> sentAt = new ArrayDeque<>();
    /** Requests this connection has sent in total (selects the next template). */
    long sequence;
    /** Requests sent on the current socket (churn mode sends one per socket). */
    int sentOnThisConnection;
    /** Fixed-rate mode: when the next request is due. */
    long nextSendNanos;
    /** After a failed connect: when to try again (the socket is closed until then). */
    long reopenAtNanos;

    void clear() {
        readBuffer.clear();
        pendingWrites.clear();
        parser.reset();
        parserPrimed = false;
        inFlight.clear();
        sentAt.clear();
        connected = false;
        sentOnThisConnection = 0;
    }
}
