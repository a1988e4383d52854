package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.config.RequestLimits;
import io.mpool.server.connection.ConnectionBufferPool;
import io.mpool.testing.Await;
import io.undertow.server.HttpHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The live view of an HTTP/2 connection and a TLS one, in headless Chromium: the h2c connection's
 * row says its protocol and live streams and its detail lists each stream (id, state, region
 * bytes, preread bytes); the TLS connection's row says its protocol, cipher, ALPN, handshake time
 * and TLS buffer bytes.
 */
class AdminViewHttp2BrowserTest {
    private static final String TOKEN = "view-h2-token-93ac";
    private static final Path OUTPUT = Path.of("target", "admin-view");
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    private static final int KILOBYTE = 1024;
    private final CountDownLatch release = new CountDownLatch(1);

    /** Reads nothing until released, then reads the body and answers. */
    private final HttpHandler stall = StallingHandler.readingAfter(release);

    /**
     * The read and idle timeouts of the test's server: past any length the test takes. Its TLS
     * connection sends nothing after its handshake, which the read timeout (30 s by default) rightly
     * ends; on a loaded host the browser's page loads took the test past 40 s, and the connection
     * whose session the view is to show was gone.
     */
    private static final Duration PAST_THE_TEST = Duration.ofMinutes(10);

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withAdmin("127.0.0.1", TOKEN)
            .withLimits(RequestLimits.DEFAULTS.withTimeouts(PAST_THE_TEST, RequestLimits.DEFAULTS.writeTimeout(),
                    RequestLimits.DEFAULTS.parseTimeout(), PAST_THE_TEST)),
            routes -> exchange -> (exchange.getRequestPath().equals("/stall") ? stall : routes).handleRequest(exchange))
            .withTls(TestCertificates.ec().listener(HANDSHAKE_TIMEOUT));

    @Test
    void theViewShowsAnHttp2ConnectionsStreamsAndATlsConnectionsSession() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.find(OUTPUT);
        try (H2Frames h2 = new H2Frames(fixture.port(), 10_000); SSLSocket tls = tlsSocketOffering("h2")) {
            // Two streams held open: each has sent part of its body, which the handler has not read.
            h2.headers(1, H2Frames.requestHeaders("POST", "/stall"), false);
            h2.data(1, new byte[3 * KILOBYTE], false);
            h2.headers(3, H2Frames.requestHeaders("POST", "/stall"), false);
            h2.data(3, new byte[5 * KILOBYTE], false);
            ConnectionBufferPool http2 = Await.until("both streams' bodies copied", ServerFixture.SETTLE,
                    () -> fixture.server().registry().pools().stream().filter(c -> c.summary().streams() == 2)
                            .findFirst().orElse(null),
                    c -> c != null && c.detail().streams().stream().mapToLong(s -> s.prereadBytes()).sum()
                            == 8 * KILOBYTE);
            Await.until("the TLS connection's handshake done", ServerFixture.SETTLE,
                    () -> fixture.server().registry().pools().stream().filter(c -> c.summary().tls() != null)
                            .map(c -> c.summary().tls().handshakeMicros()).findFirst().orElse(-1L),
                    micros -> micros > 0);

            String url = "http://127.0.0.1:" + fixture.server().adminPort() + "/admin/#token=" + TOKEN
                    + "&select=" + http2.id();
            String dom = chromium.dumpDom(url);

            assertTrue(dom.contains("<pre id=\"js-errors\"></pre>"), "the page logged a JavaScript error: "
                    + between(dom, "<pre id=\"js-errors\"", "</pre>"));
            String h2Row = row(dom, http2.id());
            assertTrue(h2Row.contains("<td class=\"left protocol\">h2c</td><td class=\"streams\">2</td>"), h2Row);
            String tlsRow = between(dom, "<td class=\"left protocol\">http/1.1</td>", "</tr>");
            Matcher session = Pattern.compile("<td class=\"left tls\">(TLSv1\\.3) · (TLS_[A-Z0-9_]+) · ALPN h2 · "
                    + "[0-9.]+ (µs|ms) handshake · [0-9.]+ (B|KiB) buffers</td>").matcher(tlsRow);
            assertTrue(session.find(), "protocol, cipher, ALPN, handshake time and buffers of the TLS one: " + tlsRow);
            assertEquals(tls.getSession().getCipherSuite(), session.group(2));

            String streams = between(dom, "<table id=\"detail-stream-table\">", "</table>");
            assertTrue(streams.contains("<tr class=\"stream\" data-stream=\"1\"><td>1</td><td class=\"left\">running"
                    + "</td>"), streams);
            assertTrue(streams.contains("<td class=\"preread\">3.0 KiB</td>"), "stream 1's preread bytes: " + streams);
            assertTrue(streams.contains("<tr class=\"stream\" data-stream=\"3\"><td>3</td><td class=\"left\">running"
                    + "</td>"), streams);
            assertTrue(streams.contains("<td class=\"preread\">5.0 KiB</td>"), "stream 3's preread bytes: " + streams);

            chromium.screenshot(url, OUTPUT.resolve("admin-view-h2.png"), 1600, 1100);

            long tlsId = fixture.server().registry().pools().stream().filter(c -> c.summary().tls() != null)
                    .mapToLong(ConnectionBufferPool::id).findFirst().orElseThrow();
            String tlsUrl = "http://127.0.0.1:" + fixture.server().adminPort() + "/admin/#token=" + TOKEN
                    + "&select=" + tlsId;
            String tlsDetail = between(chromium.dumpDom(tlsUrl), "<div id=\"detail-tls\"", "</section>");
            assertTrue(tlsDetail.startsWith(">"), "the TLS part of the detail is shown: " + tlsDetail);
            assertTrue(tlsDetail.contains("<b>h2</b> <span>ALPN</span>"), tlsDetail);
            assertTrue(tlsDetail.contains("<b>" + tls.getSession().getCipherSuite() + "</b> <span>cipher</span>"),
                    tlsDetail);
            assertTrue(between(tlsDetail, "<div id=\"detail-streams\"", ">").contains("hidden"),
                    "no streams table for a connection that is not HTTP/2: " + tlsDetail);
            release.countDown();
            assertEquals("read 3072", endAndAnswer(h2, 1, http2));
            assertEquals("read 5120", endAndAnswer(h2, 3, http2));
        } finally {
            release.countDown();
        }
    }

    /**
     * Ends {@code stream}'s body and reads its answer; if the connection fails or no answer comes
     * within the client's read timeout, fails saying what the server's side shows.
     */
    private String endAndAnswer(H2Frames h2, int stream, ConnectionBufferPool connection) {
        try {
            h2.data(stream, new byte[0], true);
            return new String(h2.response(stream).body(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            boolean live = fixture.server().registry().pools().contains(connection);
            throw new AssertionError("stream " + stream + "'s answer did not come (" + e + "); the connection is "
                    + (live ? "live: " + connection.detail().streams() + ", " + connection.summary() : "gone")
                    + "; read timeouts " + fixture.server().stats().readTimeouts() + ", write timeouts "
                    + fixture.server().stats().writeTimeouts(), e);
        }
    }

    private SSLSocket tlsSocketOffering(String protocol) throws IOException, GeneralSecurityException {
        SSLSocket socket = (SSLSocket) TestCertificates.ec().clientContext().getSocketFactory().createSocket();
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {protocol});
        socket.setSSLParameters(parameters);
        socket.connect(new InetSocketAddress("127.0.0.1", fixture.server().tlsPort()), 5_000);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }

    private static String row(String dom, long id) {
        return between(dom, "data-id=\"" + id + "\">", "</tr>");
    }

    private static String between(String text, String from, String to) {
        int start = text.indexOf(from);
        if (start < 0) {
            return "";
        }
        int end = text.indexOf(to, start);
        return text.substring(start + from.length(), end < 0 ? text.length() : end);
    }
}
