package io.mpool.server.cli;

import io.mpool.server.MpoolServer;
import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;
import sun.misc.Signal;

/**
 * {@code kill -USR1}: the access log file is opened again under its name, as nginx reopens its
 * logs on USR1, so logrotate (or any tool) can move the file away and signal:
 * <pre>
 * /var/log/mpool/access.log {
 *     daily
 *     rotate 14
 *     compress
 *     delaycompress
 *     postrotate
 *         kill -USR1 $(cat /run/mpool.pid)
 *     endscript
 * }
 * </pre>
 * Only the command line installs it: a library never takes a signal from the service that embeds
 * it ({@link MpoolServer#reopenAccessLog()} is the embedder's call).
 */
final class LogReopenSignal {
    private static final Logger LOG = Logger.getLogger(LogReopenSignal.class.getName());
    /** nginx's reopen signal; the JVM uses HUP, INT and TERM for its shutdown. */
    static final String SIGNAL = "USR1";

    private LogReopenSignal() {
    }

    static void install(MpoolServer server) {
        try {
            Signal.handle(new Signal(SIGNAL), signal -> reopen(server));
        } catch (IllegalArgumentException e) {
            LOG.warning("cannot handle SIG" + SIGNAL + " (" + e.getMessage() + "): the access log is not reopened on it");
        }
    }

    private static void reopen(MpoolServer server) {
        try {
            if (server.reopenAccessLog()) {
                LOG.info("SIG" + SIGNAL + ": access log reopened");
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "SIG" + SIGNAL + ": cannot reopen the access log; lines go to the old file", e);
        }
    }
}
