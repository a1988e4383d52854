package io.mpool.server.transport;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.ChannelPipe;
import org.xnio.StreamConnection;
import org.xnio.XnioIoThread;
import org.xnio.channels.AcceptingChannel;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.channels.StreamSourceChannel;

/**
 * At most {@link #MAX_ACCEPTS_PER_TURN} new connections are set up on an IO thread between two
 * turns of its selector, so an accept flood cannot starve the thread's keep-alive connections.
 *
 * <p>Why it is needed: XNIO accepts on a thread of its own ({@code mpool Accept}) and hands each
 * connection to an IO thread as a task. An IO thread runs every queued task before it selects
 * again, and setting up a connection (its region, conduits, Undertow's first read and often the
 * answer) costs far more than accepting it; so while clients connect faster than the IO thread
 * sets them up, its task queue never empties, it never selects, and no keep-alive connection on
 * it is read again. Measured: 1,000-2,500 aborted connections a second from three client threads
 * kept four keep-alive clients at 0 answers a second for 8 s (one IO thread or two), while the
 * accepted sockets piled up until descriptors ran out. nginx takes one connection per accept
 * event ({@code multi_accept off}); Netty's server channel reads at most 16
 * ({@code maxMessagesPerRead}) before the event loop serves its other channels.
 *
 * <p>How: a connection handed over when the thread has already set up its share since its last
 * turn waits in a queue; an always-writable pipe end with write interest makes the next select
 * return at once, and its write-ready event (a key among the others, in the same turn) sets up
 * the next share. The share is counted from one such event to the next (a conservative count:
 * with a slow trickle of connections every {@value #MAX_ACCEPTS_PER_TURN}th waits one turn).
 * The queue holds sockets XNIO has already accepted, each a descriptor; the connection limit is
 * applied as each is set up, as before; past {@link #MAX_WAITING} the listener stops accepting
 * until half of them are set up, so a flood waits in the kernel's accept queue instead of using
 * up the descriptors (before, it did). Without a pipe (descriptors exhausted) connections are set
 * up at once.
 */
final class AcceptTurns {
    /** Connections set up per selector turn: Netty's server channel default ({@code ChannelMetadata(false, 16)}). */
    static final int MAX_ACCEPTS_PER_TURN = 16;
    /**
     * Accepted sockets an IO thread lets wait before it stops the listener accepting (resumed
     * when half have been set up): the size of the kernel's accept queue we ask for, so at most
     * that many again wait here, each holding a descriptor the connection limit does not yet count.
     */
    static final int MAX_WAITING = 1024;

    private static final Logger LOG = Logger.getLogger(AcceptTurns.class.getName());

    /** Each IO thread's turn; only that thread touches it. */
    private final ThreadLocal<Turn> turns = new ThreadLocal<>();

    /**
     * Sets up {@code accepted} (from {@code listener}) through {@code open} now, or at the
     * thread's next turn if its share is spent.
     */
    void open(AcceptingChannel<?> listener, StreamConnection accepted, ChannelListener<? super StreamConnection> open) {
        Turn turn = turn();
        if (turn == null) {
            ChannelListeners.invokeChannelListener(accepted, open);
        } else {
            turn.open(listener, accepted, open);
        }
    }

    private Turn turn() {
        Turn turn = turns.get();
        if (turn == null) {
            XnioIoThread thread = XnioIoThread.currentThread();
            if (thread == null) {
                return null;
            }
            try {
                turn = new Turn(thread.createHalfDuplexPipe());
            } catch (IOException e) {
                LOG.log(Level.FINE, "no accept turns on " + thread.getName() + " yet: " + e);
                return null; // descriptors exhausted: tried again with the next connection
            }
            turns.set(turn);
        }
        return turn;
    }

    /** A connection waiting for its thread's next turn, and where it goes then. */
    private record Waiting(StreamConnection accepted, ChannelListener<? super StreamConnection> open) {
    }

    /** One IO thread's count of set-ups since its last turn, and the connections waiting for the next. */
    private static final class Turn implements ChannelListener<StreamSinkChannel> {
        private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
        /** Listeners this thread stopped accepting because too many of their sockets wait here. */
        private final List<AcceptingChannel<?>> suspended = new ArrayList<>();
        /** Never written to, so always writable: with write interest, the next select returns at once. */
        private final StreamSinkChannel nextTurn;
        /** The pipe's read end, kept open so the write end stays writable; XNIO closes both (and the waiting sockets) when the worker stops. */
        private final StreamSourceChannel readEnd;
        private int setUpSinceTurn;

        Turn(ChannelPipe<StreamSourceChannel, StreamSinkChannel> pipe) {
            this.readEnd = pipe.getLeftSide();
            this.nextTurn = pipe.getRightSide();
            nextTurn.getWriteSetter().set(this);
        }

        void open(AcceptingChannel<?> listener, StreamConnection accepted, ChannelListener<? super StreamConnection> open) {
            if (waiting.isEmpty() && setUpSinceTurn < MAX_ACCEPTS_PER_TURN) {
                setUpSinceTurn++;
                ChannelListeners.invokeChannelListener(accepted, open);
                return;
            }
            waiting.add(new Waiting(accepted, open));
            if (waiting.size() == 1) {
                nextTurn.resumeWrites();
            }
            if (waiting.size() >= MAX_WAITING && !suspended.contains(listener) && listener.isOpen()) {
                listener.suspendAccepts(); // the rest wait in the kernel's accept queue, as with nginx
                suspended.add(listener);
            }
        }

        /** The pipe end is write-ready: the selector has turned; the next share is set up. */
        @Override
        public void handleEvent(StreamSinkChannel channel) {
            setUpSinceTurn = 0;
            Waiting next;
            while (setUpSinceTurn < MAX_ACCEPTS_PER_TURN && (next = waiting.poll()) != null) {
                setUpSinceTurn++;
                ChannelListeners.invokeChannelListener(next.accepted(), next.open());
            }
            if (waiting.isEmpty()) {
                nextTurn.suspendWrites();
            }
            if (!suspended.isEmpty() && waiting.size() <= MAX_WAITING / 2) {
                for (AcceptingChannel<?> listener : suspended) {
                    if (listener.isOpen()) {
                        listener.resumeAccepts();
                    }
                }
                suspended.clear();
            }
        }
    }
}
