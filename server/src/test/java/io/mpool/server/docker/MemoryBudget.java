package io.mpool.server.docker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The memory budget the image's entrypoint derives for a container limit, asked of the script
 * itself ({@code entrypoint --memory-budget}), so the checks test the arithmetic the container
 * will run rather than a copy of it. Figures in MiB.
 */
record MemoryBudget(long limit, long jvmNative, long heap, long direct, long arena) {
    static final String ENTRYPOINT = "deploy/image/entrypoint.sh";
    private static final Pattern LINE = Pattern.compile("limit=(\\d+) native=(\\d+) heap=(\\d+) direct=(\\d+) arena=(\\d+)");

    /** What the whole JVM may use: no more than the limit. */
    long total() {
        return jvmNative + heap + direct;
    }

    /**
     * The budget for {@code limit} (a Kubernetes or Docker quantity), with {@code arenaMax} as
     * MPOOL_ARENA_MAX when not null.
     *
     * @throws IllegalArgumentException with the entrypoint's own message when the limit cannot hold mpool
     */
    static MemoryBudget of(Path root, String limit, String arenaMax) {
        ProcessBuilder builder = new ProcessBuilder("bash", root.resolve(ENTRYPOINT).toString(), "--memory-budget")
                .redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("MPOOL_"));
        env.put("MPOOL_MEMORY_LIMIT", limit);
        if (arenaMax != null) {
            env.put("MPOOL_ARENA_MAX", arenaMax);
        }
        try {
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(ENTRYPOINT + " --memory-budget did not finish");
            }
            Matcher matcher = LINE.matcher(output);
            if (process.exitValue() != 0 || !matcher.matches()) {
                throw new IllegalArgumentException(output.replaceFirst("^mpool entrypoint: ", ""));
            }
            return new MemoryBudget(Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2)),
                    Long.parseLong(matcher.group(3)), Long.parseLong(matcher.group(4)), Long.parseLong(matcher.group(5)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
