package io.mpool.server.transport;

import io.undertow.connector.ByteBufferPool;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import org.xnio.OptionMap;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.ssl.SslConnection;

/**
 * TLS on an accepted channel, with the engine's buffers from a pool chosen per connection:
 * Undertow's public route ({@link UndertowXnioSsl#wrapExistingConnection}) on an
 * {@code UndertowXnioSsl} made for the connection (a few fields; it keeps no state of its own), whose
 * buffer pool is the connection's.
 *
 * <p>TLS 1.3 and 1.2 only (what the JDK supports of them), the JDK's default cipher suites, ALPN
 * offering {@code http/1.1}, no client certificates.
 */
public final class TlsWrapping {
    /** The protocols offered, newest first; older ones are refused by the handshake. */
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** The only application protocol spoken on the TLS listener. */
    static final String ALPN_HTTP_1_1 = "http/1.1";

    private final SSLContext context;
    private final Xnio xnio;
    private final int packetSize;
    private final String[] protocols;

    public TlsWrapping(SSLContext context, Xnio xnio) {
        this.context = context;
        this.xnio = xnio;
        SSLEngine probe = context.createSSLEngine();
        probe.setUseClientMode(false);
        this.protocols = enabledProtocols(probe);
        SSLSession session = probe.getSession();
        // The engine unwraps into and wraps from these blocks: one must hold a whole record,
        // ciphertext (packet size) or plaintext (application size), whichever is larger.
        this.packetSize = Math.max(session.getPacketBufferSize(), session.getApplicationBufferSize());
    }

    private static String[] enabledProtocols(SSLEngine engine) {
        List<String> supported = Arrays.asList(engine.getSupportedProtocols());
        List<String> enabled = new ArrayList<>();
        for (String protocol : PROTOCOLS) {
            if (supported.contains(protocol)) {
                enabled.add(protocol);
            }
        }
        if (enabled.isEmpty()) {
            throw new IllegalArgumentException("SSLContext protocols=" + supported
                    + " (expected: one supporting TLSv1.3 or TLSv1.2)");
        }
        return enabled.toArray(new String[0]);
    }

    /** Bytes in each of the engine's packet buffers, from the JDK's {@link SSLSession} sizes. */
    public int packetSize() {
        return packetSize;
    }

    /**
     * The server side of TLS on {@code channel}, its engine's buffers from {@code packetBuffers}
     * (each of {@link #packetSize()} bytes); the handshake starts with the first read.
     */
    public SslConnection wrap(StreamConnection channel, ByteBufferPool packetBuffers) {
        UndertowXnioSsl ssl = new UndertowXnioSsl(xnio, OptionMap.EMPTY, packetBuffers, context);
        SslConnection connection = ssl.wrapExistingConnection(channel, OptionMap.EMPTY, false);
        SSLEngine engine = UndertowXnioSsl.getSslEngine(connection);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(protocols);
        parameters.setApplicationProtocols(new String[] {ALPN_HTTP_1_1});
        engine.setSSLParameters(parameters);
        return connection;
    }
}
