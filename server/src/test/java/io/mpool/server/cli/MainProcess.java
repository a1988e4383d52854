package io.mpool.server.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@link Main} in a JVM of its own, as an operator starts it: the environment without any
 * {@code MPOOL_*} variable but those given, stdout and stderr together, read line by line.
 */
final class MainProcess implements AutoCloseable {
    /** Generous: a JVM starting on a machine shared with several builds can take many seconds. */
    static final long EXIT_TIMEOUT_SECONDS = 60;

    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private MainProcess(List<String> jvmOptions, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("MPOOL_"));
        builder.environment().putAll(env);
        process = builder.start();
        reader = new Thread(this::readLines, "main-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    static MainProcess start(List<String> jvmOptions, Map<String, String> env, String... args) throws IOException {
        return new MainProcess(jvmOptions, env, args);
    }

    /** Runs Main to its exit; returns its exit code and what it printed. */
    static Result run(Map<String, String> env, String... args) throws Exception {
        try (MainProcess main = new MainProcess(List.of(), env, args)) {
            return main.awaitExit();
        }
    }

    record Result(int exitCode, String output) {
        /** The output without the server's log lines (a usage error prints before any). */
        List<String> lines() {
            return output.lines().toList();
        }
    }

    private void readLines() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process is gone: the lines so far are all there is
        }
    }

    /** The first line matching {@code wanted}, waiting for it (bounded); fails with the output so far. */
    String awaitLine(Predicate<String> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(EXIT_TIMEOUT_SECONDS);
        synchronized (lines) {
            while (true) {
                for (String line : lines) {
                    if (wanted.test(line)) {
                        return line;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive() && !reader.isAlive()) {
                    return fail("no such line in: " + String.join("\n", lines));
                }
                TimeUnit.NANOSECONDS.timedWait(lines, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
        }
    }

    /**
     * SIGTERM, then the exit. Through the {@link ProcessHandle}: {@link Process#destroy()} sends
     * the same signal but also closes our end of the output, losing what the shutdown prints.
     */
    Result terminate() throws InterruptedException {
        process.toHandle().destroy();
        return awaitExit();
    }

    /** The process's id, for signals. */
    long pid() {
        return process.pid();
    }

    Result awaitExit() throws InterruptedException {
        assertTrue(process.waitFor(EXIT_TIMEOUT_SECONDS, TimeUnit.SECONDS), "Main did not exit: " + output());
        reader.join(TimeUnit.SECONDS.toMillis(EXIT_TIMEOUT_SECONDS));
        return new Result(process.exitValue(), output());
    }

    private String output() {
        synchronized (lines) {
            return String.join("\n", lines) + (lines.isEmpty() ? "" : "\n");
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
