package io.mpool.server.connection;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.undertow.protocols.http2.Http2Channel;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import org.junit.jupiter.api.Test;

/** RFC 9113 8.3.1's checks of a request's pseudo-headers, as Undertow's own HTTP/2 listener makes them. */
class Http2RequestChecksTest {

    private static HeaderMap get(String path) {
        HeaderMap headers = new HeaderMap();
        headers.put(Http2Channel.METHOD, "GET");
        headers.put(Http2Channel.SCHEME, "http");
        headers.put(Http2Channel.PATH, path);
        headers.put(Http2Channel.AUTHORITY, "localhost:8080");
        return headers;
    }

    @Test
    void aPlainRequestPasses() {
        assertTrue(Http2RequestChecks.validPseudoHeaders(get("/hello?a=1"), false));
        HeaderMap te = get("/");
        te.put(Headers.TE, "trailers");
        assertTrue(Http2RequestChecks.validPseudoHeaders(te, false));
    }

    @Test
    void methodSchemeAndPathMustComeOnceEach() {
        HeaderMap noMethod = get("/");
        noMethod.remove(Http2Channel.METHOD);
        assertFalse(Http2RequestChecks.validPseudoHeaders(noMethod, false));
        HeaderMap twoMethods = get("/");
        twoMethods.add(Http2Channel.METHOD, "POST");
        assertFalse(Http2RequestChecks.validPseudoHeaders(twoMethods, false));
        HeaderMap noScheme = get("/");
        noScheme.remove(Http2Channel.SCHEME);
        assertFalse(Http2RequestChecks.validPseudoHeaders(noScheme, false));
        HeaderMap twoPaths = get("/");
        twoPaths.add(Http2Channel.PATH, "/other");
        assertFalse(Http2RequestChecks.validPseudoHeaders(twoPaths, false));
        HeaderMap noPath = get("/");
        noPath.remove(Http2Channel.PATH);
        assertFalse(Http2RequestChecks.validPseudoHeaders(noPath, false));
    }

    @Test
    void connectTakesAnAuthorityAlone() {
        HeaderMap connect = new HeaderMap();
        connect.put(Http2Channel.METHOD, "CONNECT");
        connect.put(Http2Channel.AUTHORITY, "example.com:443");
        assertTrue(Http2RequestChecks.validPseudoHeaders(connect, false));
        connect.put(Http2Channel.PATH, "/");
        assertFalse(Http2RequestChecks.validPseudoHeaders(connect, false));
        connect.remove(Http2Channel.PATH);
        connect.remove(Http2Channel.AUTHORITY);
        assertFalse(Http2RequestChecks.validPseudoHeaders(connect, false));
    }

    @Test
    void connectionAndTeOtherThanTrailersAreRefused() {
        HeaderMap connection = get("/");
        connection.put(Headers.CONNECTION, "keep-alive");
        assertFalse(Http2RequestChecks.validPseudoHeaders(connection, false));
        HeaderMap te = get("/");
        te.add(Headers.TE, "trailers");
        te.add(Headers.TE, "gzip");
        assertFalse(Http2RequestChecks.validPseudoHeaders(te, false));
    }

    @Test
    void charactersAreChecked() {
        assertFalse(Http2RequestChecks.validPseudoHeaders(get("/a b"), false), "a space in :path");
        assertTrue(Http2RequestChecks.validPseudoHeaders(get("/a b"), true), "allowed unescaped");
        assertFalse(Http2RequestChecks.validPseudoHeaders(get("/a\u0001"), false), "a control character in :path");
        HeaderMap scheme = get("/");
        scheme.put(Http2Channel.SCHEME, "ht tp");
        assertFalse(Http2RequestChecks.validPseudoHeaders(scheme, false));
        HeaderMap method = get("/");
        method.put(Http2Channel.METHOD, "G{T");
        assertFalse(Http2RequestChecks.validPseudoHeaders(method, false));
        HeaderMap authority = get("/");
        authority.put(Http2Channel.AUTHORITY, "host\r\nx");
        assertFalse(Http2RequestChecks.validPseudoHeaders(authority, false));
        // A character past ISO-8859-1 counts as the '?' it encodes to, as before: allowed in a target.
        assertTrue(Http2RequestChecks.validPseudoHeaders(get("/\u20ac"), false));
    }
}
