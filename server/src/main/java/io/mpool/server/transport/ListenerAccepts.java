package io.mpool.server.transport;

import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.xnio.ChannelListener;
import org.xnio.StreamConnection;
import org.xnio.channels.AcceptingChannel;

/**
 * The accept step of the server's listeners, quiet about accepts still scheduled when a stop
 * closes the listeners: one line for all of them, where XNIO logged an error with a stack trace
 * for each (stopping while clients kept connecting logged up to 1,949 in 0.4 s).
 *
 * <p>XNIO's queued listener takes connections in bursts and schedules one hand-over task per
 * connection on its IO thread; a task that leaves connections in the queue schedules itself
 * again. Once the listener is closed, two kinds of task fail:
 * <ul>
 *   <li>one that finds the queue empty: {@code accept()} throws {@code ClosedChannelException},
 *   which XNIO's {@code ChannelListeners.openListenerAdapter} logs as {@code XNIO001009 Failed to
 *   accept}. {@link #adapter} replaces that adapter (it does the same otherwise) and counts;</li>
 *   <li>one that still has connections to hand over when the worker is stopped: scheduling itself
 *   again is refused ({@code RejectedExecutionException}), logged by XNIO's worker thread as
 *   {@code XNIO000011 Task ... failed}. Between {@link #stopping()} and {@link #stopped()} a
 *   filter on XNIO's {@code org.xnio.nio} logger counts those instead.</li>
 * </ul>
 * The first of either is logged as one line; all are counted ({@link #failedAfterClose()}). A
 * failure on a listener that is still open is logged in full, as XNIO would.
 *
 * <p>Each accepted connection is set up within its IO thread's share per selector turn
 * ({@link AcceptTurns}): an accept flood cannot starve the thread's keep-alive connections.
 */
public final class ListenerAccepts {
    /** XNIO's worker threads log through it (jboss-logging's JDK provider); held: JUL keeps loggers weakly. */
    private static final Logger XNIO_NIO = Logger.getLogger("org.xnio.nio");

    private final Logger log;
    private final AtomicLong failedAfterClose = new AtomicLong();
    /** At most a share of new connections set up per selector turn of an IO thread. */
    private final AcceptTurns turns = new AcceptTurns();
    private final Filter quietHandOvers = this::unlessHandOverRefused;
    private Filter previousFilter;

    public ListenerAccepts(Logger log) {
        this.log = log;
    }

    /** The accept listener for a listener whose connections go to {@code open}. */
    public ChannelListener<AcceptingChannel<StreamConnection>> adapter(ChannelListener<? super StreamConnection> open) {
        return listener -> {
            StreamConnection accepted;
            try {
                accepted = listener.accept();
            } catch (IOException e) {
                if (listener.isOpen()) {
                    log.log(Level.WARNING, "accepting a connection on " + listener.getLocalAddress() + " failed", e);
                } else {
                    countFailedAfterClose();
                }
                return;
            }
            if (accepted != null) {
                turns.open(listener, accepted, open);
            }
        };
    }

    /** Before the listeners close: hand-overs the stopping worker refuses are counted, not logged. */
    public synchronized void stopping() {
        previousFilter = XNIO_NIO.getFilter();
        XNIO_NIO.setFilter(quietHandOvers);
    }

    /** After the worker has stopped: XNIO's log as it was. */
    public synchronized void stopped() {
        if (XNIO_NIO.getFilter() == quietHandOvers) {
            XNIO_NIO.setFilter(previousFilter);
        }
    }

    /** Accepts that failed because their listener had closed (during a stop). */
    public long failedAfterClose() {
        return failedAfterClose.get();
    }

    private boolean unlessHandOverRefused(LogRecord record) {
        if (record.getThrown() instanceof RejectedExecutionException
                && String.valueOf(record.getMessage()).contains("QueuedNioTcpServer")) {
            countFailedAfterClose();
            return false;
        }
        Filter previous = previousFilter;
        return previous == null || previous.isLoggable(record);
    }

    private void countFailedAfterClose() {
        if (failedAfterClose.getAndIncrement() == 0) {
            log.info("stopping: connections a listener had taken but not yet handed over are closed unanswered"
                    + " (this is the one line about them)");
        }
    }
}
