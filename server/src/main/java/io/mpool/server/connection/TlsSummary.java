package io.mpool.server.connection;

/**
 * A TLS connection's session on the admin view.
 *
 * @param protocol        TLSv1.3 or TLSv1.2; null while the handshake runs
 * @param cipherSuite     the negotiated cipher suite; null while the handshake runs
 * @param alpn            what ALPN agreed on ({@code h2}, {@code http/1.1}), "" when the client
 *                        offered none; null while the handshake runs
 * @param resumed         whether the handshake resumed an earlier session (TLS 1.2 session id or
 *                        ticket, TLS 1.3 pre-shared key); false while it runs
 * @param handshakeMicros how long the handshake took; -1 while it runs
 * @param bufferBytes     arena bytes the TLS engine's packet buffers hold (0 when idle)
 */
public record TlsSummary(String protocol, String cipherSuite, String alpn, boolean resumed, long handshakeMicros,
        long bufferBytes) {
}
