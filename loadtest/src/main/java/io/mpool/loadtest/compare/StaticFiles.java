package io.mpool.loadtest.compare;

import io.mpool.server.demo.BytesHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The files of the static-file workloads: written once per comparison into a directory every
 * server serves under {@code /static/} (mpool's {@code --static-dir}, the reference server's
 * {@code ResourceHandler}, an nginx {@code location}), then fetched once from each server and
 * compared byte for byte before any run is timed, which also leaves them in the page cache.
 */
final class StaticFiles {
    private static final byte[] HEAD_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Where every server serves the directory. */
    static final String PREFIX = "/static/";
    /**
     * File name to size. 1,023 B sits one byte below stock Undertow's {@code PathResourceManager}
     * transfer threshold (1 KiB: from it on the file goes out with {@code transferTo}, below it
     * through a pooled buffer), 1 KiB on it; 64 KiB and 1 MiB are where sendfile should pay.
     */
    static final Map<String, Integer> SIZES = sizes();

    private StaticFiles() {
    }

    private static Map<String, Integer> sizes() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put("1023.bin", 1023);
        sizes.put("1k.bin", 1024);
        sizes.put("64k.bin", 64 * 1024);
        sizes.put("1m.bin", 1024 * 1024);
        return Collections.unmodifiableMap(sizes);
    }

    /**
     * Before anything is timed: every static file a selected workload fetches, once from each
     * server, byte for byte ({@link #check}); a server that answers anything else stops the
     * comparison. Reading them also puts the files in the page cache.
     *
     * @return per server name and file, the bytes of one whole answer (head and body)
     */
    static Map<String, Map<String, Integer>> checkAll(List<Workload> selected, List<ServerProcess> running)
            throws IOException {
        List<String> files = selected.stream().map(Workload::staticFile).filter(f -> f != null).distinct().toList();
        Map<String, Map<String, Integer>> answerBytes = new LinkedHashMap<>();
        if (files.isEmpty()) {
            return answerBytes;
        }
        for (ServerProcess server : running) {
            for (String file : files) {
                answerBytes.computeIfAbsent(server.name, s -> new LinkedHashMap<>())
                        .put(file, check(server.name, server.port, file));
            }
        }
        System.out.println("static files " + String.join(", ", files) + ": byte for byte the same from "
                + String.join(", ", running.stream().map(s -> s.name).toList()));
        return answerBytes;
    }

    /**
     * Responses {@code bytes} of answers are worth, each {@code answerBytes} long (from {@link #check}),
     * a partial one for its share: a run of 1 MiB answers sends only thousands, so the one under way
     * on each connection when a count is taken matters ({@link MidRunWindow}).
     */
    static long answers(long bytes, int answerBytes) {
        return Math.round(bytes / (double) answerBytes);
    }

    /** The content of a file of {@code size} bytes: the demo's {@code /bytes} pattern, not all one byte. */
    static byte[] content(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = BytesHandler.patternByte(i);
        }
        return bytes;
    }

    /** Writes every file into {@code dir} (created if missing) and returns it. */
    static Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, Integer> file : SIZES.entrySet()) {
            Files.write(dir.resolve(file.getKey()), content(file.getValue()));
        }
        return dir;
    }

    /**
     * Lets other users read the files: {@code dir} and the files {@code r}, the directory above it
     * ({@code work}, a private temp directory) {@code x} only, so an nginx started as root, whose
     * workers run as {@code nobody}, can serve them without seeing anything else of {@code work}.
     * Without POSIX permissions (not Linux) nothing changes.
     */
    static void openToOtherUsers(Path work, Path dir) throws IOException {
        if (!Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class)) {
            return;
        }
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String name : SIZES.keySet()) {
            Files.setPosixFilePermissions(dir.resolve(name), PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    /**
     * Fetches {@code PREFIX + name} from the server on {@code port} with one keep-alive HTTP/1.1
     * GET, as the load tools send it, and checks the answer: status 200, a Content-Length, and a
     * body equal to the file byte for byte.
     *
     * @return the whole answer's bytes, head and body: what one response of this workload costs
     *         the load tool to read from this server
     * @throws IOException naming the server, the file and the first difference
     */
    static int check(String server, int port, String name) throws IOException {
        byte[] expected = content(SIZES.get(name));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + PREFIX + name + " HTTP/1.1\r\nHost: compare\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] answer = readAnswer(socket.getInputStream(), expected.length);
            int headEnd = indexOf(answer, HEAD_END);
            if (headEnd < 0) {
                throw new IOException(server + ": GET " + PREFIX + name + " answered no complete head ("
                        + answer.length + " bytes)");
            }
            String head = new String(answer, 0, headEnd, StandardCharsets.ISO_8859_1);
            if (!head.startsWith("HTTP/1.1 200")) {
                throw new IOException(server + ": GET " + PREFIX + name + " answered '" + head.lines().findFirst()
                        .orElse("") + "' (expected: HTTP/1.1 200)");
            }
            String length = head.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-length:"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(null);
            if (!String.valueOf(expected.length).equals(length)) {
                throw new IOException(server + ": GET " + PREFIX + name + " Content-Length=" + length + " (expected: "
                        + expected.length + ")");
            }
            byte[] body = Arrays.copyOfRange(answer, headEnd + 4, answer.length);
            int mismatch = Arrays.mismatch(expected, body);
            if (mismatch >= 0) {
                throw new IOException(server + ": GET " + PREFIX + name + " body differs from the file at byte "
                        + mismatch + " (" + body.length + " bytes received, " + expected.length + " expected)");
            }
            return answer.length;
        }
    }

    /**
     * Reads until the head and {@code bodyLength} bytes after it have come, or the server ends the
     * stream (a server that sends more than promised is caught by the next request's check, not here).
     */
    private static byte[] readAnswer(InputStream in, int bodyLength) throws IOException {
        ByteArrayOutputStream answer = new ByteArrayOutputStream(bodyLength + 1024);
        byte[] chunk = new byte[64 * 1024];
        int headEnd = -1;
        while (headEnd < 0 || answer.size() < headEnd + HEAD_END.length + bodyLength) {
            int n = in.read(chunk);
            if (n < 0) {
                break;
            }
            answer.write(chunk, 0, n);
            if (headEnd < 0) {
                headEnd = indexOf(answer.toByteArray(), HEAD_END);
            }
        }
        return answer.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
