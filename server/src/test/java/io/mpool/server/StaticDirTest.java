package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.demo.Routes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The demo application's {@code --static-dir}: files under /static/, byte for byte, through each connection's pool. */
class StaticDirTest {
    private static final byte[] SMALL = "small file\n".repeat(100).getBytes(StandardCharsets.US_ASCII);
    /** Past Routes.STATIC_TRANSFER_MIN_SIZE: sent from the file, not through pool buffers. */
    private static final byte[] LARGE = "large file\n".repeat(20_000).getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path dir;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config, ignored -> new Routes(files()));

    private static Path files() {
        try {
            Files.write(dir.resolve("small.txt"), SMALL);
            Files.write(dir.resolve("large.txt"), LARGE);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void filesBelowAndAboveTheTransferSizeComeBackByteForByteAndTheOtherRoutesStay() throws IOException {
        assertTrue(LARGE.length > Routes.STATIC_TRANSFER_MIN_SIZE);
        try (RawHttp http = fixture.connect()) {
            assertArrayEquals(SMALL, http.exchange(RawHttp.get("/static/small.txt")).body());
            assertArrayEquals(LARGE, http.exchange(RawHttp.get("/static/large.txt")).body());
            RawHttp.Response head = http.send("HEAD /static/large.txt HTTP/1.1\r\nHost: t\r\n\r\n").readHead();
            assertEquals(200, head.status());
            assertEquals(String.valueOf(LARGE.length), head.header("Content-Length"));
            assertEquals(404, http.exchange(RawHttp.get("/static/missing.txt")).status());
            assertEquals(405, http.exchange(RawHttp.post("/static/small.txt", "a/b", new byte[1])).status());
            assertEquals("hello\n", http.exchange(RawHttp.get("/hello")).text());
        }
    }

    @Test
    void aDirectoryThatIsNotThereIsRefusedNamingTheFlag() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Routes(dir.resolve("missing")));
        assertEquals("--static-dir=" + dir.resolve("missing") + " (expected: an existing, readable directory)",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Routes(dir.resolve("small.txt")), "a file is no directory");
    }
}
