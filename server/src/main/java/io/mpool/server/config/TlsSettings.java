package io.mpool.server.config;

import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * The HTTPS listener: where it listens, the server's certificate and key (in {@code context}),
 * and how long a client may take to finish its handshake.
 *
 * @param handshakeTimeout closes a connection whose TLS handshake has not finished by then
 */
public record TlsSettings(String host, int port, SSLContext context, Duration handshakeTimeout) {
    /** Long enough for a slow mobile client's round trips; nginx's default handshake timeout is 60 s. */
    public static final String DEFAULT_HANDSHAKE_TIMEOUT = "10s";

    public TlsSettings {
        ServerConfig.requireHost("--host", host);
        ServerConfig.requirePort("--tls-port", port);
        if (context == null) {
            throw new IllegalArgumentException("--tls-cert/--tls-keystore=null (expected: the listener's SSLContext:"
                    + " a certificate and its key)");
        }
        if (handshakeTimeout == null || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("--handshake-timeout=" + (handshakeTimeout == null ? null
                    : Durations.format(handshakeTimeout)) + " (expected: > 0)");
        }
    }
}
