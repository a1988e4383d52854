package io.mpool.server.transport;

import io.mpool.mempool.PageArena;
import io.mpool.server.config.CertificateSource;
import io.mpool.server.stats.ServerStats;
import io.undertow.connector.ByteBufferPool;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.DefaultByteBufferPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import org.xnio.OptionMap;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.ssl.SslConnection;

/**
 * TLS on an accepted channel, with the engine's buffers from a pool chosen per connection:
 * Undertow's public route ({@link UndertowXnioSsl#wrapExistingConnection}) on an
 * {@code UndertowXnioSsl} made for the connection, whose buffer pool is the connection's. It has to
 * be one per connection: the pool an engine's conduit takes its buffers from is fixed by the
 * {@code UndertowXnioSsl} that wraps it (Undertow's {@code UndertowSslConnection}, which takes a pool
 * of its own, is package-private). It is a few fields and the wrapped connection keeps no reference
 * to it, so it is garbage at once. With one pool shared by all connections ({@code --pool
 * undertow}) one {@code UndertowXnioSsl} serves the listener, as in {@code Undertow.builder()}.
 *
 * <p>TLS 1.3 and 1.2 only (what the JDK supports of them), the JDK's default cipher suites, ALPN
 * offering {@code h2} (when HTTP/2 is on; the JDK's server picks its first protocol the client
 * offers) and {@code http/1.1}, no client certificates.
 */
public final class TlsWrapping {
    /** The protocols offered, newest first; older ones are refused by the handshake. */
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    static final String ALPN_HTTP_1_1 = "http/1.1";
    static final String ALPN_H2 = "h2";

    /**
     * The JDK's switch that refuses TLS 1.2 renegotiation started by the client, which makes the
     * server do a full handshake whenever the client asks (a cheap way to burn its CPU; TLS 1.3
     * has none). Read once, at the first server-side handshake in the JVM.
     */
    static final String REJECT_CLIENT_RENEGOTIATION = "jdk.tls.rejectClientInitiatedRenegotiation";
    /** Thread-local cache of Undertow's shared pools (what {@code Undertow.builder()} uses). */
    private static final int SHARED_POOL_THREAD_CACHE = 4;

    /** The certificate new connections get, read again when its files change. */
    private final CertificateReloader certificate;
    private final Xnio xnio;
    private final int packetSize;
    private final String[] protocols;
    private final long handshakeTimeoutNanos;
    private final ServerStats stats;
    /** The engines' buffers with {@code --pool undertow}: Undertow's way, one pool shared by all. */
    private final ByteBufferPool sharedPacketBuffers;
    /** What wraps every connection whose engine takes from {@link #sharedPacketBuffers}; null until the first. */
    private volatile UndertowXnioSsl sharedSsl;
    /** What ALPN offers, in the server's order of preference. */
    private final List<String> applicationProtocols;
    /**
     * Whether an engine's own protocols differ from {@link #PROTOCOLS} (a JVM whose security
     * settings enable TLS 1.1, say): only then is each engine told, since setting them gives every
     * engine its own copies of the protocol and cipher suite lists (about 300 bytes of heap per
     * connection, kept while it lives) where the JDK's defaults are shared.
     */
    private final boolean setsProtocols;
    /** ALPN's choice, one function for every engine (no per-connection protocol list). */
    private final BiFunction<SSLEngine, List<String>, String> applicationProtocolSelector =
            (engine, offered) -> chooseApplicationProtocol(offered);

    /**
     * TLS with {@code certificate}'s key and certificate, its files looked at once a second on
     * {@code worker} ({@link CertificateReloader}); sets {@value #REJECT_CLIENT_RENEGOTIATION} to
     * true unless the JVM was given a value. ALPN offers {@code h2} first when {@code http2}.
     */
    public TlsWrapping(CertificateSource certificate, XnioWorker worker, Duration handshakeTimeout, ServerStats stats,
                       boolean http2) {
        this.applicationProtocols = http2 ? List.of(ALPN_H2, ALPN_HTTP_1_1) : List.of(ALPN_HTTP_1_1);
        if (System.getProperty(REJECT_CLIENT_RENEGOTIATION) == null) {
            System.setProperty(REJECT_CLIENT_RENEGOTIATION, "true");
        }
        this.certificate = new CertificateReloader(certificate, stats);
        this.certificate.pollEverySecond(worker);
        this.xnio = worker.getXnio();
        SSLContext context = certificate.initial();
        this.handshakeTimeoutNanos = handshakeTimeout.toNanos();
        this.stats = stats;
        SSLEngine probe = context.createSSLEngine();
        probe.setUseClientMode(false);
        this.protocols = enabledProtocols(probe);
        this.setsProtocols = !Arrays.equals(probe.getEnabledProtocols(), protocols);
        this.packetSize = packetBlockSize(probe.getSession());
        this.sharedPacketBuffers = new DefaultByteBufferPool(true, packetSize, -1, SHARED_POOL_THREAD_CACHE);
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

    /**
     * Bytes in each of the engine's packet buffers: a whole record, ciphertext (the session's packet
     * size) or plaintext (its application size), whichever is larger, rounded up to whole arena
     * pages. The arena hands out whole pages anyway (16,709 bytes take five), and the engine needs
     * the room: it wraps a record only into a buffer with a whole packet size free, so at exactly the
     * packet size the server's first flight (ServerHello, ChangeCipherSpec, the encrypted rest) left
     * the buffer once per record, three writes and a wait for the socket to take each where one
     * write does (Undertow's own buffers have 17 KB, about 700 bytes more than a packet).
     */
    static int packetBlockSize(SSLSession session) {
        int record = Math.max(session.getPacketBufferSize(), session.getApplicationBufferSize());
        return (record + PageArena.PAGE_SIZE - 1) / PageArena.PAGE_SIZE * PageArena.PAGE_SIZE;
    }

    /** Bytes in each of the engine's packet buffers ({@link #packetBlockSize}). */
    public int packetSize() {
        return packetSize;
    }

    /**
     * The server side of TLS on {@code channel}, its engine's buffers from {@code packetBuffers}
     * (blocks of at least {@link #packetSize()} bytes: the connection's own; null: a pool shared by
     * all connections, Undertow's way), plain HTTP answered beneath it ({@link PlainHttpOnTlsPort});
     * the handshake starts with the first read.
     */
    public TlsHandshake wrap(StreamConnection channel, ByteBufferPool packetBuffers) {
        PlainHttpOnTlsPort.install(channel);
        SSLContext context = certificate.current();
        UndertowXnioSsl ssl = packetBuffers == null ? sharedSsl(context)
                : new UndertowXnioSsl(xnio, OptionMap.EMPTY, packetBuffers, context);
        SslConnection tlsChannel = ssl.wrapExistingConnection(channel, OptionMap.EMPTY, false);
        SSLEngine engine = UndertowXnioSsl.getSslEngine(tlsChannel);
        if (setsProtocols) {
            engine.setEnabledProtocols(protocols);
        }
        engine.setHandshakeApplicationProtocolSelector(applicationProtocolSelector);
        return new TlsHandshake(tlsChannel, this);
    }

    /** The listener's one {@code UndertowXnioSsl} over the shared pool, with the current certificate. */
    private UndertowXnioSsl sharedSsl(SSLContext context) {
        UndertowXnioSsl ssl = sharedSsl;
        if (ssl == null) {
            ssl = new UndertowXnioSsl(xnio, OptionMap.EMPTY, sharedPacketBuffers, context);
            sharedSsl = ssl;
        } else if (ssl.getSslContext() != context) {
            ssl.updateSSLContext(context); // the certificate was reloaded: new connections get it
        }
        return ssl;
    }

    /** How long a handshake may take ({@link TlsHandshake#checkTimeout}). */
    long handshakeTimeoutNanos() {
        return handshakeTimeoutNanos;
    }

    /** Where the listener's handshakes are counted. */
    ServerStats stats() {
        return stats;
    }

    /**
     * The first of ours the client offers over ALPN, in our order ({@code h2} before
     * {@code http/1.1}); null when it offers none of them, which fails the handshake with
     * {@code no_application_protocol}, as a server that sets its ALPN protocols on the engine does.
     */
    String chooseApplicationProtocol(List<String> offered) {
        for (String protocol : applicationProtocols) {
            if (offered.contains(protocol)) {
                return protocol;
            }
        }
        return null;
    }
}
