package io.mpool.server;


import io.mpool.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/** Bodies to send and the temp-file checks of the whole-body tests. */
final class BodyTestSupport {
    private static final Duration SETTLE = Duration.ofSeconds(10);

    private BodyTestSupport() {
    }

    /** A fresh directory for one test class's temp files (the JVM's temp dir holds other files). */
    static Path createDir(String name) {
        try {
            Path dir = Files.createTempDirectory("mpool-" + name + "-");
            dir.toFile().deleteOnExit(); // empty by then: every test checks that no temp file is left
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** A POST of {@code body} in chunks of {@code chunkSize}. */
    static byte[] chunked(String path, byte[] body, int chunkSize) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Type: a/b\r\nTransfer-Encoding: chunked\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        for (int from = 0; from < body.length; from += chunkSize) {
            int n = Math.min(chunkSize, body.length - from);
            out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, from, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** {@code [{"id":0,"name":"item-0"},...]} of at least {@code minBytes}: two fields per object, depth 2. */
    static String jsonArrayOfObjects(int minBytes) {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; json.length() < minBytes; i++) {
            json.append(i == 0 ? "" : ",").append("{\"id\":").append(i).append(",\"name\":\"item-").append(i).append("\"}");
        }
        return json.append(']').toString();
    }

    /** The temp files of spilled bodies in {@code dir}. */
    static List<Path> tempFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("mpool-body-")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits (bounded) until no temp file is live, then asserts the directory has none either. */
    static void awaitNone(MpoolServer server, Path dir) {
        awaitLive(server, dir, 0);
    }

    /** Waits (bounded) until the server counts {@code count} live temp files and the directory holds as many. */
    static void awaitLive(MpoolServer server, Path dir, int count) {
        Await.until(count + " live temp file(s), counted by the server and present in " + dir, SETTLE,
                () -> new LiveTempFiles(server.stats().bodyTempFilesLive(), tempFiles(dir)),
                live -> live.counted() == count && live.inDirectory().size() == count);
    }

    /** What the server counts live and what the directory holds. */
    private record LiveTempFiles(long counted, List<Path> inDirectory) {
    }

    /** A response head, up to and without its empty line. */
    static String head(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b == -1) {
                throw new EOFException("closed inside the head: " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }

    /** The CRC-32 of the next {@code total} bytes of {@code in}. */
    static long crcOf(InputStream in, long total) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buffer = new byte[1 << 16];
        for (long left = total; left > 0; ) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n == -1) {
                throw new EOFException((total - left) + " of " + total + " bytes");
            }
            crc.update(buffer, 0, n);
            left -= n;
        }
        return crc.getValue();
    }
}
