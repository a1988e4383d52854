package io.mpool.server.transport;

/** What a connection's TLS session tells the admin view (the transport layer's handshake watch). */
public interface TlsDescription {
    /** The negotiated protocol (TLSv1.3, TLSv1.2), or null while the handshake runs. */
    String protocol();

    /** The negotiated cipher suite, or null while the handshake runs. */
    String cipherSuite();

    /** What ALPN agreed on ({@code h2}, {@code http/1.1}), "" when the client offered none, null while the handshake runs. */
    String applicationProtocol();

    /** Whether the handshake resumed an earlier session; false while it runs. */
    boolean resumed();

    /** How long the handshake took in microseconds, or -1 while it runs. */
    long handshakeMicros();

    /** Whether the handshake has finished (records of the application follow). */
    boolean finished();
}
