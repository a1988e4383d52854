package io.mpool.server.config;

import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * The HTTPS listener: where it listens, the server's certificate and key (from {@code certificate},
 * re-read when its files change), and how long a client may take to finish its handshake.
 *
 * @param handshakeTimeout closes a connection whose TLS handshake has not finished by then
 */
public record TlsSettings(String host, int port, CertificateSource certificate, Duration handshakeTimeout) {
    /** Long enough for a slow mobile client's round trips; nginx's default handshake timeout is 60 s. */
    public static final String DEFAULT_HANDSHAKE_TIMEOUT = "10s";

    public TlsSettings {
        ServerConfig.requireHost("--host", host);
        ServerConfig.requirePort("--tls-port", port);
        if (certificate == null) {
            throw new IllegalArgumentException("--tls-cert/--tls-keystore=null (expected: the listener's SSLContext:"
                    + " a certificate and its key)");
        }
        if (handshakeTimeout == null || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("--handshake-timeout=" + (handshakeTimeout == null ? null
                    : Durations.format(handshakeTimeout)) + " (expected: > 0)");
        }
    }

    /** With a certificate that never changes ({@code context}: the embedder's own). */
    public TlsSettings(String host, int port, SSLContext context, Duration handshakeTimeout) {
        this(host, port, context == null ? null : CertificateSource.fixed(context), handshakeTimeout);
    }
}
