package io.mpool.server;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Headless Chromium (Debian package {@code chromium}) run as a process, one page load per call:
 * {@code --dump-dom} prints the DOM after the page's scripts ran for {@link #VIRTUAL_TIME_MILLIS}
 * of virtual time, {@code --screenshot} saves a PNG. No driver, no extra dependency.
 *
 * <p>Where Chromium is missing or cannot start: under {@code CI=true} the test fails (CI installs
 * it, {@code .ci/run}); elsewhere it is skipped with the reason printed.
 */
final class HeadlessChromium {
    /** Virtual time the page gets before the DOM is taken: a few of the view's one-second polls. */
    static final int VIRTUAL_TIME_MILLIS = 3_500;
    private static final long RUN_TIMEOUT_SECONDS = 90;
    private static final List<String> CANDIDATES = List.of("chromium", "chromium-browser", "google-chrome");

    private final String binary;
    private final Path workDir;

    private HeadlessChromium(String binary, Path workDir) {
        this.binary = binary;
        this.workDir = workDir;
    }

    /** Chromium from {@code MPOOL_CHROMIUM} or the PATH; fails under CI, skips elsewhere, when there is none. */
    static HeadlessChromium find(Path workDir) throws IOException {
        String configured = System.getenv("MPOOL_CHROMIUM");
        List<String> names = configured == null || configured.isBlank() ? CANDIDATES : List.of(configured);
        for (String name : names) {
            String found = onPath(name);
            if (found != null) {
                Files.createDirectories(workDir);
                return new HeadlessChromium(found, workDir);
            }
        }
        unavailable("no Chromium found (looked for " + names + " on the PATH; apt-get install -y chromium,"
                + " or set MPOOL_CHROMIUM)");
        return null;
    }

    /** The DOM of {@code url} after its scripts ran. */
    String dumpDom(String url) throws IOException, InterruptedException {
        byte[] dom = run(url, "--dump-dom");
        return new String(dom, StandardCharsets.UTF_8);
    }

    /** Saves a screenshot of {@code url} to {@code png}. */
    void screenshot(String url, Path png, int width, int height) throws IOException, InterruptedException {
        Files.deleteIfExists(png);
        run(url, "--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height,
                "--hide-scrollbars");
        if (!Files.isRegularFile(png) || Files.size(png) == 0) {
            fail("chromium wrote no screenshot to " + png + "; its log: " + workDir.resolve("chromium.log"));
        }
    }

    private byte[] run(String url, String... action) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary, "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-dev-shm-usage", "--user-data-dir=" + workDir.resolve("profile").toAbsolutePath(),
                "--virtual-time-budget=" + VIRTUAL_TIME_MILLIS));
        command.addAll(List.of(action));
        command.add(url);
        File log = workDir.resolve("chromium.log").toFile();
        Path out = workDir.resolve("chromium.out");
        Process process = new ProcessBuilder(command).redirectError(log).redirectOutput(out.toFile()).start();
        if (!process.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            unavailable("chromium did not finish within " + RUN_TIMEOUT_SECONDS + " s; its log: " + log);
        }
        if (process.exitValue() != 0) {
            unavailable("chromium exited with " + process.exitValue() + "; its log: " + log + ":\n"
                    + Files.readString(log.toPath(), StandardCharsets.UTF_8));
        }
        return Files.readAllBytes(out);
    }

    private static String onPath(String name) {
        if (name.contains(File.separator)) {
            return Files.isExecutable(Path.of(name)) ? name : null;
        }
        String path = System.getenv("PATH");
        for (String dir : path == null ? new String[0] : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    private static void unavailable(String reason) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI=true and the browser test cannot run: " + reason);
        }
        System.out.println("AdminViewBrowserTest skipped: " + reason);
        Assumptions.abort(reason);
    }
}
