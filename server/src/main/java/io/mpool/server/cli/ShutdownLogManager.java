package io.mpool.server.cli;

import java.util.logging.LogManager;

/**
 * The JDK's log manager, except that it keeps logging while the JVM shuts down. The JDK's own
 * shutdown hook resets logging (closing every handler) and runs concurrently with ours, so the
 * line saying a SIGTERM arrived and the shutdown summary were lost or printed half the time. With
 * this manager (installed by {@link Logging#install()} through {@code java.util.logging.manager})
 * that reset is skipped and {@link #resetAtExit()} runs it after our last line.
 *
 * <p>Public with a public constructor because {@link LogManager} instantiates it by name.
 */
public final class ShutdownLogManager extends LogManager {

    @Override
    public void reset() {
        if (!shuttingDown()) {
            super.reset(); // readConfiguration (a config file) resets too: that one must run
        }
    }

    /** Closes the handlers (flushing a file handler's buffer): call after the last line. */
    static void resetAtExit() {
        if (LogManager.getLogManager() instanceof ShutdownLogManager manager) {
            manager.resetNow();
        }
    }

    private void resetNow() {
        super.reset();
    }

    /** {@link Runtime#addShutdownHook} refuses a hook once shutdown has begun: the one public way to ask. */
    private static boolean shuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
        } catch (IllegalStateException e) {
            return true;
        }
        Runtime.getRuntime().removeShutdownHook(probe);
        return false;
    }
}
