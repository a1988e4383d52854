package io.mpool.server.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.RawHttp;
import io.mpool.server.ServerFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --static-dir}'s plain path ({@link StaticFileHandler}): a plain GET or HEAD of a file is
 * answered by it, header for header and byte for byte as Undertow's {@code ResourceHandler}
 * answers the same request; everything it does not decide is the resource handler's.
 *
 * <p>What the resource handler answers is had from the same server: a request with an
 * {@code If-None-Match} that matches nothing goes to it and gets the full 200.
 */
class StaticFileHandlerTest {
    /** Forces the resource handler without changing its answer (no tag matches it). */
    private static final String NO_MATCH = "If-None-Match: \"no-such-tag\"\r\n";

    @TempDir
    Path dir;
    private Routes routes;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config, ignored -> routes = new Routes(dir));

    /** Sizes around the pool buffer (16 KiB, the first chunk read behind the head), the 64 KiB range threshold, 1 MiB. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 1023, 1024, 16_383, 16_384, 16_385, 64 * 1024, 1024 * 1024 + 1})
    void aPlainGetOrHeadIsAnsweredByThePlainPathAsTheResourceHandlerAnswersIt(int size) throws IOException {
        byte[] content = content(size);
        Files.write(dir.resolve("f.bin"), content);
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response plain = http.send(request("GET", "/static/f.bin", "")).read();
            assertEquals(1, routes.files().answeredPlain(), "the plain GET was answered by the plain path");
            RawHttp.Response resources = http.send(request("GET", "/static/f.bin", NO_MATCH)).read();
            assertEquals(1, routes.files().answeredPlain(), "a conditional GET is the resource handler's");
            assertEquals(200, plain.status());
            assertEquals(withoutDate(resources), withoutDate(plain));
            assertArrayEquals(content, plain.body());
            assertArrayEquals(content, resources.body());

            RawHttp.Response plainHead = http.send(request("HEAD", "/static/f.bin", "")).readHead();
            RawHttp.Response resourcesHead = http.send(request("HEAD", "/static/f.bin", NO_MATCH)).readHead();
            assertEquals(2, routes.files().answeredPlain());
            assertEquals(withoutDate(resourcesHead), withoutDate(plainHead));
            assertEquals(withoutDate(plain), withoutDate(plainHead), "HEAD: the GET's head");
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text(), "the connection goes on");
        }
    }

    @Test
    void theContentTypeAndValidatorsAreTheResourceHandlers() throws IOException {
        Files.writeString(dir.resolve("page.html"), "<p>hi</p>\n");
        Files.writeString(dir.resolve("noextension"), "x");
        try (RawHttp http = fixture.connect()) {
            for (String path : List.of("/static/page.html", "/static/noextension")) {
                RawHttp.Response plain = http.send(request("GET", path, "")).read();
                RawHttp.Response resources = http.send(request("GET", path, NO_MATCH)).read();
                assertEquals(withoutDate(resources), withoutDate(plain), path);
            }
            assertEquals(2, routes.files().answeredPlain());
            RawHttp.Response page = http.send(request("GET", "/static/page.html", "")).read();
            assertEquals("text/html", page.headers().get("content-type"));
            String etag = page.headers().get("etag");
            RawHttp.Response notModified = http.send(request("GET", "/static/page.html",
                    "If-None-Match: " + etag + "\r\n")).read();
            assertEquals(304, notModified.status(), "the plain path's ETag is the one the resource handler checks");
            RawHttp.Response sinceModified = http.send(request("GET", "/static/page.html",
                    "If-Modified-Since: " + page.headers().get("last-modified") + "\r\n")).read();
            assertEquals(304, sinceModified.status());
        }
    }

    @Test
    void whatThePlainPathDoesNotDecideIsTheResourceHandlersAnswer() throws IOException {
        byte[] content = content(100_000);
        Files.write(dir.resolve("f.bin"), content);
        Files.createDirectory(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/inner.txt"), "inner\n");
        Files.createSymbolicLink(dir.resolve("link.bin"), dir.resolve("f.bin"));
        Files.createSymbolicLink(dir.resolve("linked"), dir.resolve("sub"));
        try (RawHttp http = fixture.connect()) {
            RawHttp.Response range = http.send(request("GET", "/static/f.bin", "Range: bytes=10-19\r\n")).read();
            assertEquals(206, range.status());
            assertArrayEquals(Arrays.copyOfRange(content, 10, 20), range.body());
            assertEquals(404, http.exchange(RawHttp.get("/static/missing.bin")).status());
            assertEquals(403, http.exchange(RawHttp.get("/static/sub")).status(), "a directory without an index");
            assertEquals(404, http.exchange(RawHttp.get("/static/link.bin")).status(), "a symbolic link is not followed");
            assertEquals(404, http.exchange(RawHttp.get("/static/linked/inner.txt")).status(),
                    "nor a linked directory");
            assertEquals(404, http.exchange(RawHttp.get("/static/../" + dir.getFileName() + "/f.bin")).status());
            assertEquals(0, routes.files().answeredPlain());
            assertEquals("inner\n", http.exchange(RawHttp.get("/static/sub/inner.txt")).text(),
                    "a file in a subdirectory is plain");
            assertEquals(1, routes.files().answeredPlain());
        }
    }

    @Test
    void thisTestsTemporaryDirectoryTellsCaseApart() {
        assertTrue(StaticFileHandler.caseSensitive(dir), "Linux file systems do: the plain path is on");
    }

    private static byte[] request(String method, String path, String headers) {
        return (method + " " + path + " HTTP/1.1\r\nHost: t\r\n" + headers + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The status and the head's lines in wire order, without the clock's {@code Date}. */
    private static List<String> withoutDate(RawHttp.Response response) {
        List<String> head = new ArrayList<>();
        head.add(String.valueOf(response.status()));
        response.headers().forEach((name, value) -> {
            if (!name.equals("date")) {
                head.add(name + ": " + value);
            }
        });
        return head;
    }

    private static byte[] content(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = BytesHandler.patternByte(i);
        }
        return bytes;
    }
}
