package io.mpool.server.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.MpoolServer;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service that embeds the server and logs through logback: mpool's lines (java.util.logging,
 * routed by jul-to-slf4j's handler) and Undertow's and XNIO's (jboss-logging finds logback itself)
 * all come out in logback's pattern, and none in the JDK's two-line default format.
 *
 * <p>The service runs in a JVM of its own, on the classpath an embedder's build gives it: the
 * library's runtime dependencies as a dependent project resolves them (optional ones left out,
 * as Maven leaves them out) plus logback and jul-to-slf4j.
 */
class EmbeddedLogbackTest {
    private static final long EXIT_TIMEOUT_SECONDS = 60;
    /** jul-to-slf4j's handler: java.util.logging's records into SLF4J. */
    private static final String JUL_TO_SLF4J = "org.slf4j.bridge.SLF4JBridgeHandler";
    /**
     * The first line of a record in the JDK's SimpleFormatter format ({@code Dec 06, 2026 10:04:15 PM
     * org.xnio.Xnio <clinit>}, then {@code INFO: ...}): the date line, which every such record has.
     * Not the {@code LEVEL:} line alone: the JVM's own warnings (JDK 24+ prints {@code WARNING: A
     * terminally deprecated method in sun.misc.Unsafe has been called} for jboss-threads) look like it
     * and are no logging.
     */
    private static final Pattern JUL_DEFAULT = Pattern.compile("^[A-Z][a-z]{2} \\d{1,2}, \\d{4} \\d{1,2}:\\d{2}:\\d{2} .*$");

    @TempDir
    Path dir;

    @Test
    void theServersAndUndertowsLinesGoThroughLogbackAndNoneInTheJdkFormat() throws Exception {
        Path logback = Files.writeString(dir.resolve("logback.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>LOGBACK %level [%logger] %msg%n</pattern></encoder>
                  </appender>
                  <root level="INFO"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
        Path julToSlf4j = Files.writeString(dir.resolve("logging.properties"),
                "handlers = " + JUL_TO_SLF4J + "\n.level = INFO\n");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dlogback.configurationFile=" + logback, "-Djava.util.logging.config.file=" + julToSlf4j,
                "-cp", embedderClasspath(), EmbeddedWithLogback.class.getName(), dir.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(EXIT_TIMEOUT_SECONDS, TimeUnit.SECONDS), output);
        assertEquals(0, process.exitValue(), output);

        List<String> lines = output.lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("LOGBACK INFO [" + MpoolServer.class.getName() + "] mpool listening")),
                "mpool's own lines through logback:\n" + output);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("LOGBACK INFO [org.xnio")),
                "XNIO's lines through logback:\n" + output);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(EmbeddedWithLogback.ANSWERED)), output);
        List<String> julDefault = lines.stream().filter(l -> JUL_DEFAULT.matcher(l).matches()).toList();
        assertEquals(List.of(), julDefault, "no line in the JDK's default format:\n" + output);
        List<String> slf4jWarnings = lines.stream().filter(l -> l.startsWith("SLF4J")).toList();
        assertEquals(List.of(), slf4jWarnings, "one slf4j provider, logback:\n" + output);
    }

    /**
     * This JVM's classpath as an embedder's build would have it: directories (the modules' classes),
     * the jars of the library's non-optional runtime dependencies, then logback.
     */
    private static String embedderClasspath() throws IOException {
        Set<String> libraryJars = Files.readAllLines(Path.of("target", "runtime-dependencies.txt")).stream()
                .map(String::trim)
                .filter(line -> line.split(":").length >= 5 && !line.contains("(optional)"))
                .map(line -> {
                    String[] coordinates = line.split(" ")[0].split(":"); // group:artifact:type:version:scope
                    return coordinates[1] + "-" + coordinates[3] + ".jar";
                })
                .collect(Collectors.toSet());
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            if (Files.isDirectory(path) || libraryJars.contains(path.getFileName().toString())) {
                entries.add(entry);
            }
        }
        try (Stream<Path> jars = Files.list(Path.of("target", "embedder-logback"))) {
            jars.map(Path::toString).sorted().forEach(entries::add);
        }
        assertTrue(entries.stream().anyMatch(e -> e.contains("undertow-core")), Arrays.toString(entries.toArray()));
        return String.join(File.pathSeparator, entries);
    }
}
