package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Methods over real sockets, main and admin listeners: case-sensitive (RFC 9110 section 9.1), HEAD
 * wherever GET is, OPTIONS everywhere, 405 with {@code Allow}. Every answer is followed by a
 * {@code GET} on the same connection, so a HEAD answer that carried body bytes would break it.
 */
class MethodsTest {
    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    private static byte[] request(String method, String path) {
        return (method + " " + path + " HTTP/1.1\r\nHost: t\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * {@code get} was served as GET (200). Lower-case methods are refused by the framing check
     * (501, connection closed, nothing behind served: Undertow would fold their case); unknown
     * upper-case methods get 501 from the routes and the connection stays usable.
     */
    @Test
    void methodsAreCaseSensitiveAndUnknownOnesGet501() throws IOException {
        for (String method : new String[] {"get", "Get", "gET", "head", "post", "connect"}) {
            RawHttp.Exchange answer = RawHttp.sendAll(fixture.port(), RawHttp.concat(request(method, "/hello"),
                    RawHttp.get("/hello")), new int[0], 20_000);
            assertTrue(answer.text().startsWith("HTTP/1.1 501 "), method + ": " + answer.text());
            assertTrue(answer.text().contains("case-sensitive"), answer.text());
            assertEquals(1, answer.text().split("HTTP/1.1 ", -1).length - 1, method + ": nothing behind it served");
            assertEquals("closed", answer.ending());
        }
        try (RawHttp http = fixture.connect()) {
            for (String method : new String[] {"FOO", "GETS", "M-SEARCH"}) {
                RawHttp.Response answer = http.exchange(request(method, "/hello"));
                assertEquals(501, answer.status(), method + " /hello: " + answer.text());
                assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text(), "the connection stays usable");
            }
            assertEquals(501, http.exchange(request("FOO", "/nope")).status(), "the method is checked first");
        }
    }

    @Test
    void headIsAnsweredWhereverGetIsWithTheSameHeadersAndNoBody() throws IOException {
        try (RawHttp http = fixture.connect()) {
            for (String path : new String[] {"/hello", "/bytes/100000", "/bytes/0"}) {
                RawHttp.Response get = http.exchange(RawHttp.get(path));
                http.send(request("HEAD", path));
                RawHttp.Response head = http.readHead();
                assertEquals(200, head.status(), "HEAD " + path);
                assertEquals(get.header("Content-Length"), head.header("Content-Length"), "HEAD " + path);
                assertEquals(get.header("Content-Type"), head.header("Content-Type"), "HEAD " + path);
                assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text(), "no body after HEAD " + path);
            }
        }
    }

    @Test
    void optionsListsTheAllowedMethodsAnd405SaysThemToo() throws IOException {
        try (RawHttp http = fixture.connect()) {
            String[][] routes = {{"/hello", "GET, HEAD, OPTIONS"}, {"/bytes/5", "GET, HEAD, OPTIONS"},
                    {"/echo", "POST, OPTIONS"}, {"/upload", "POST, OPTIONS"}};
            for (String[] route : routes) {
                RawHttp.Response options = http.exchange(request("OPTIONS", route[0]));
                assertEquals(204, options.status(), "OPTIONS " + route[0]);
                assertEquals(route[1], options.header("Allow"), "OPTIONS " + route[0]);
                assertNull(options.header("Content-Length"), "a 204 has no Content-Length (RFC 9110 8.6)");
                String wrong = route[1].startsWith("GET") ? "DELETE" : "GET";
                RawHttp.Response notAllowed = http.exchange(request(wrong, route[0]));
                assertEquals(405, notAllowed.status(), wrong + " " + route[0]);
                assertEquals(route[1], notAllowed.header("Allow"), wrong + " " + route[0]);
            }
            assertEquals(404, http.exchange(request("OPTIONS", "/nope")).status());
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text());
        }
    }

    @Test
    void theAdminListenerTakesGetHeadAndOptionsCaseSensitively() throws IOException {
        try (RawHttp admin = new RawHttp(fixture.server().adminPort())) {
            RawHttp.Response get = admin.exchange(request("GET", "/admin/health"));
            assertEquals(200, get.status());
            admin.send(request("HEAD", "/admin/health"));
            RawHttp.Response head = admin.readHead();
            assertEquals(200, head.status());
            assertEquals(get.header("Content-Length"), head.header("Content-Length"));
            assertEquals("application/json", head.header("Content-Type"));
            RawHttp.Response options = admin.exchange(request("OPTIONS", "/admin/pools"));
            assertEquals(204, options.status());
            assertEquals("GET, HEAD, OPTIONS", options.header("Allow"));
            RawHttp.Response post = admin.exchange(request("DELETE", "/admin/pools"));
            assertEquals(405, post.status());
            assertEquals("GET, HEAD, OPTIONS", post.header("Allow"));
            assertEquals(501, admin.exchange(request("FOO", "/admin/health")).status());
            assertEquals(404, admin.exchange(request("OPTIONS", "/admin/else")).status());
            assertEquals(200, admin.exchange(request("GET", "/admin/pools")).status(), "the connection stays usable");
        }
    }

    /** {@code OPTIONS *} (RFC 9110 section 9.3.7) asks about the server: every method some route takes. */
    @Test
    void optionsAsteriskListsEveryMethodTheServerTakes() throws IOException {
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response options = http.exchange(request("OPTIONS", "*"));
            assertEquals(204, options.status(), options.text());
            assertEquals("GET, HEAD, POST, OPTIONS", options.header("Allow"));
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text(), "the connection stays usable");
        }
        // Only OPTIONS takes the asterisk-form (RFC 9112 section 3.2.4): Undertow's parser refuses
        // any other method with it, 400, and closes.
        RawHttp.Exchange get = RawHttp.sendAll(fixture.port(), RawHttp.concat(request("GET", "*"),
                RawHttp.get("/hello")), new int[0], 20_000);
        assertTrue(get.text().startsWith("HTTP/1.1 400 "), get.text());
        assertEquals(1, get.text().split("HTTP/1.1 ", -1).length - 1, "nothing behind it served: " + get.text());
    }

    /** A connection id that is not a number is a bad request naming it; a number no connection has, 404. */
    @Test
    void anAdminIdThatIsNotANumberGets400NamingIt() throws IOException {
        try (RawHttp admin = new RawHttp(fixture.server().adminPort())) {
            for (String id : new String[] {"abc", "-1", "1x", "1.5", "99999999999999999999", "1/2"}) {
                RawHttp.Response answer = admin.exchange(request("GET", "/admin/pools/" + id));
                assertEquals(400, answer.status(), id + ": " + answer.text());
                assertEquals("{\"error\":\"/admin/pools/" + id + ": not a connection id (expected: a whole number,"
                        + " an id from /admin/pools)\"}", answer.text());
            }
            RawHttp.Response unknown = admin.exchange(request("GET", "/admin/pools/424242"));
            assertEquals(404, unknown.status());
            assertEquals("{\"error\":\"no live connection with id 424242\"}", unknown.text());
            admin.send(request("HEAD", "/admin/pools/abc"));
            assertEquals(400, admin.readHead().status(), "HEAD gets GET's status");
            assertEquals(200, admin.exchange(request("GET", "/admin/health")).status(), "the connection stays usable");
        }
    }
}
