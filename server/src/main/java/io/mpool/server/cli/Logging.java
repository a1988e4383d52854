package io.mpool.server.cli;

import io.mpool.server.MpoolServer;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The server's logging: {@code java.util.logging} for our code, and for Undertow's and XNIO's
 * (jboss-logging's JDK provider), every line in the server's log format ({@link MpoolServer#logFormatter()}) on stderr at level {@code info},
 * unless a standard configuration file is given ({@code -Djava.util.logging.config.file=...} or
 * {@code -Djava.util.logging.config.class=...}): then that file decides handlers, formats and
 * levels, and {@code --log-level} only overrides the root level when given.
 */
public final class Logging {
    public static final String DEFAULT_LEVEL = "info";
    public static final String EXPECTED_LEVEL = "error, warn, info, debug, trace, off or all"
            + " (or a java.util.logging level: severe, warning, config, fine, finer, finest)";

    private Logging() {
    }

    /** Before any logger exists: the providers, the shutdown-proof manager, our format. */
    public static void install() {
        setIfAbsent("org.jboss.logging.provider", "jdk");
        setIfAbsent("java.util.logging.manager", ShutdownLogManager.class.getName());
        if (configFileGiven()) {
            return; // the LogManager reads it as it starts
        }
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        ConsoleHandler console = new ConsoleHandler();
        console.setFormatter(MpoolServer.logFormatter());
        console.setLevel(Level.ALL);
        root.addHandler(console);
        root.setLevel(Level.INFO);
    }

    /** A logging configuration file (or class) was given on the java command line. */
    public static boolean configFileGiven() {
        return System.getProperty("java.util.logging.config.file") != null
                || System.getProperty("java.util.logging.config.class") != null;
    }

    /** The root level: every logger without a level of its own follows it. */
    public static void setLevel(Level level) {
        Logger.getLogger("").setLevel(level);
    }

    /** A level as {@code --log-level} takes it, or null if {@code text} names none. */
    public static Level level(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "off" -> Level.OFF;
            case "error", "severe" -> Level.SEVERE;
            case "warn", "warning" -> Level.WARNING;
            case "info" -> Level.INFO;
            case "config" -> Level.CONFIG;
            case "debug", "fine" -> Level.FINE;
            case "finer" -> Level.FINER;
            case "trace", "finest" -> Level.FINEST;
            case "all" -> Level.ALL;
            default -> null;
        };
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }
}
