package io.mpool.server.admin;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * {@code GET /admin/}: the live view, one self-contained HTML page ({@code admin-view.html} in the
 * jar: plain JavaScript and SVG, nothing fetched from elsewhere) that polls {@code /admin/pools}
 * and {@code /admin/pools/{id}} and draws them.
 *
 * <p>The page itself is served without the admin token: it is the same static bytes for every
 * caller and holds no data (a browser cannot attach an {@code Authorization} header to a
 * navigation). Every JSON request it makes carries the token, which the page reads from the URL
 * fragment ({@code /admin/#token=...}: a fragment never reaches the server, its logs or a
 * {@code Referer}).
 *
 * <p>Its Content-Security-Policy allows only the page's own inline script (by hash) and requests
 * to this origin, so even a value that slipped past the page's escaping could run nothing.
 */
final class AdminView {
    /** Where the view is served. */
    static final String PATH = "/admin/";
    private static final String RESOURCE = "admin-view.html";

    private final byte[] page;
    private final String contentSecurityPolicy;

    private AdminView(byte[] page, String contentSecurityPolicy) {
        this.page = page;
        this.contentSecurityPolicy = contentSecurityPolicy;
    }

    /** Reads the page from the jar once. */
    static AdminView load() {
        try (InputStream in = AdminView.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            byte[] page = in.readAllBytes();
            String html = new String(page, StandardCharsets.UTF_8);
            String csp = "default-src 'none'; script-src '" + scriptHash(html) + "'; style-src 'unsafe-inline';"
                    + " img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
            return new AdminView(page, csp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The CSP source of the page's one inline script: {@code sha256-<base64>}. */
    static String scriptHash(String html) {
        int open = html.indexOf("<script>");
        int close = html.indexOf("</script>", open);
        if (open < 0 || close < 0 || html.indexOf("<script", close) >= 0) {
            throw new IllegalStateException(RESOURCE + " must hold exactly one inline <script>");
        }
        String script = html.substring(open + "<script>".length(), close);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(script.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    void send(HttpServerExchange exchange) {
        exchange.setStatusCode(200);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/html; charset=utf-8");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseHeaders().put(Headers.CONTENT_SECURITY_POLICY, contentSecurityPolicy);
        exchange.getResponseHeaders().put(Headers.X_CONTENT_TYPE_OPTIONS, "nosniff");
        exchange.getResponseHeaders().put(Headers.REFERRER_POLICY, "no-referrer");
        exchange.getResponseSender().send(ByteBuffer.wrap(page));
    }
}
