package io.mpool.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A TLS client of a test server's HTTPS listener that trusts one test CA and nothing else. Each
 * client has a context, and so a session cache, of its own: a new client never resumes a session
 * another one made. Its sockets connect over loopback and have finished their handshake.
 */
final class TlsClient {
    /** The name the client asks for and checks the certificate against (the test certificates carry it). */
    private static final String SERVER_NAME = "localhost";
    private final SSLContext context;

    private TlsClient(SSLContext context) {
        this.context = context;
    }

    /** A client that trusts the CA certificate in {@code caPem} only. */
    static TlsClient trusting(Path caPem) throws IOException, GeneralSecurityException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caPem)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        return new TlsClient(context);
    }

    SSLContext context() {
        return context;
    }

    /** A socket to {@code 127.0.0.1:port}, its reads timing out after {@code timeoutMillis}, its handshake done. */
    SSLSocket connect(int port, int timeoutMillis) throws IOException {
        return over(RawHttp.socket(port, timeoutMillis), port, timeoutMillis);
    }

    /**
     * TLS over {@code raw}, a socket connected to the listener on {@code port}, with its handshake
     * done; the raw socket's own streams stay usable for bytes beneath the records, and closing it
     * (a FIN or a reset without close_notify) is the test's to do.
     */
    SSLSocket over(Socket raw, int port, int timeoutMillis) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(raw, SERVER_NAME, port, true);
        socket.setSoTimeout(timeoutMillis);
        socket.startHandshake();
        return socket;
    }

    /** One keep-alive {@code GET /hello}: the whole answer, head and body. */
    static String hello(SSLSocket socket) throws IOException {
        return get(socket, "/hello");
    }

    /** One keep-alive {@code GET path}: the whole answer, head and its Content-Length body. */
    static String get(SSLSocket socket, String path) throws IOException {
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return readResponse(socket.getInputStream());
    }

    /** One response with a Content-Length body, as text; end of stream before its end is an IOException. */
    static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed mid-response: " + bytes);
            }
            bytes.write(b);
            String text = bytes.toString(StandardCharsets.US_ASCII);
            if (text.endsWith("\r\n\r\n")) {
                String lower = text.toLowerCase(Locale.ROOT);
                int at = lower.indexOf("content-length: ");
                int length = Integer.parseInt(lower.substring(at + 16, lower.indexOf("\r\n", at)).trim());
                bytes.write(in.readNBytes(length));
                return bytes.toString(StandardCharsets.US_ASCII);
            }
        }
    }

    /** Everything the server sends until it closes: end of stream, or a reset (a close too). */
    static byte[] readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            byte[] chunk = new byte[8192];
            int n;
            while ((n = in.read(chunk)) >= 0) {
                bytes.write(chunk, 0, n);
            }
        } catch (SocketException reset) {
            // closed with unread input: a reset is a close too
        }
        return bytes.toByteArray();
    }
}
