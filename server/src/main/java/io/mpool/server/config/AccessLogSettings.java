package io.mpool.server.config;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The access log: where it goes, the format of its lines, and whose forwarding headers it
 * believes for the client's address.
 *
 * @param target         {@code off}, {@code stderr}, {@code stdout} or a file (appended to)
 * @param format         the lines' format
 * @param trustedProxies proxies whose {@code X-Forwarded-For}/{@code Forwarded} is believed
 */
public record AccessLogSettings(String target, Format format, TrustedProxies trustedProxies) {
    public static final String DEFAULT_TARGET = "off";
    /** nginx's default {@code log_format}: what log tools read without being told. */
    public static final String DEFAULT_FORMAT = "combined";
    public static final AccessLogSettings DEFAULTS = new AccessLogSettings(DEFAULT_TARGET, format(DEFAULT_FORMAT),
            TrustedProxies.NONE);

    /** The formats {@code --access-log-format} names. */
    public enum Format {
        /** The Common Log Format (nginx and Apache {@code common}). */
        COMMON,
        /** {@link #COMMON} and the referer and user agent (nginx {@code combined}, the default). */
        COMBINED,
        /** One JSON object a line: the combined fields, the connection, durations and pool memory. */
        JSON,
        /** The server log's format: connection, method, path, status, bytes, duration. */
        MPOOL;

        /** The name as the flag takes it. */
        public String flagValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public AccessLogSettings {
        requireTarget(target);
        if (format == null) {
            throw new IllegalArgumentException("--access-log-format is empty (expected: common, combined, json or mpool)");
        }
        trustedProxies = trustedProxies == null ? TrustedProxies.NONE : trustedProxies;
    }

    public AccessLogSettings withTarget(String target) {
        return new AccessLogSettings(target, format, trustedProxies);
    }

    /** The format {@code text} names. */
    public static Format format(String text) {
        if (text != null) {
            for (Format format : Format.values()) {
                if (format.flagValue().equals(text.trim().toLowerCase(Locale.ROOT))) {
                    return format;
                }
            }
        }
        throw new IllegalArgumentException("--access-log-format=" + text + " (expected: common, combined, json or mpool)");
    }

    /** Whether lines are written at all. */
    public boolean enabled() {
        return !target.equals("off");
    }

    /** {@code off}, {@code stderr}, {@code stdout}, or a file whose directory exists. */
    private static void requireTarget(String target) {
        if (target == null || target.isBlank()) {
            throw new IllegalArgumentException("--access-log is empty (expected: off, stderr, stdout or a file)");
        }
        if (target.equals("off") || target.equals("stderr") || target.equals("stdout")) {
            return;
        }
        Path file;
        try {
            file = Path.of(target).toAbsolutePath();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("--access-log=" + target + " (expected: off, stderr, stdout or a file)");
        }
        if (Files.isDirectory(file) || !Files.isDirectory(file.getParent())) {
            throw new IllegalArgumentException("--access-log=" + target + " (expected: off, stderr, stdout or a file"
                    + " in an existing directory)");
        }
    }

    @Override
    public String toString() {
        return enabled() ? target + " format=" + format.flagValue() + " trustedProxies=" + trustedProxies : "off";
    }
}
