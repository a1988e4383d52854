package io.mpool.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.RawHttp;
import io.mpool.server.ServerFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** logrotate's way with the command line: move the file, {@code kill -USR1}, and lines go to a new file. */
class AccessLogReopenSignalTest {
    private static final Pattern LISTENING = Pattern.compile("mpool listening on http://127\\.0\\.0\\.1:(\\d+) ");

    @TempDir
    Path dir;

    @Test
    void usr1ReopensTheAccessLogFile() throws Exception {
        Path file = dir.resolve("access.log");
        Path moved = dir.resolve("access.log.1");
        try (MainProcess main = MainProcess.start(List.of(), Map.of(), "--host=127.0.0.1", "--port=0",
                "--admin-port=0", "--access-log=" + file)) {
            Matcher listening = LISTENING.matcher(main.awaitLine(line -> LISTENING.matcher(line).find()));
            assertTrue(listening.find());
            int port = Integer.parseInt(listening.group(1));
            try (RawHttp http = new RawHttp(port)) {
                assertEquals(200, http.exchange(RawHttp.get("/hello")).status());
            }
            awaitLines(file, 1);
            Files.move(file, moved);
            Process kill = new ProcessBuilder("kill", "-USR1", String.valueOf(main.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor());
            main.awaitLine(line -> line.contains("SIGUSR1: access log reopened"));
            try (RawHttp http = new RawHttp(port)) {
                assertEquals(200, http.exchange(RawHttp.get("/bytes/3")).status());
            }
            assertTrue(awaitLines(file, 1).get(0).contains("\"GET /bytes/3 HTTP/1.1\" 200 3 "), "combined, the default");
            assertTrue(awaitLines(moved, 1).get(0).contains("\"GET /hello HTTP/1.1\" 200 6 "));
            assertEquals(143, main.terminate().exitCode(), "USR1 did not stop the server; SIGTERM still does");
        }
    }

    /** Waits (bounded) for {@code count} lines: the writer drains every 20 ms. */
    private static List<String> awaitLines(Path file, int count) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + ServerFixture.SETTLE.toNanos();
        List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
        while (lines.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
            lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
        }
        assertEquals(count, lines.size(), lines.toString());
        return lines;
    }
}
