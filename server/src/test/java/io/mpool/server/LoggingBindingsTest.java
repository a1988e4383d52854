package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The library ships no logging binding: a service that depends on it keeps its own (logback,
 * log4j), and none of ours fights it. Read from the build's list of the server's runtime
 * dependencies, transitive ones included ({@code target/runtime-dependencies.txt}, written by the
 * dependency plugin): a binding may be there only as optional (the command line's runnable jar
 * bundles it; Maven never hands an optional dependency to a dependent project).
 */
class LoggingBindingsTest {
    /** Artifacts that bind a logging facade to a backend, or are one. */
    private static final Set<String> BINDINGS = Set.of("slf4j-jdk14", "slf4j-simple", "slf4j-nop", "slf4j-log4j12",
            "slf4j-reload4j", "logback-classic", "log4j-slf4j-impl", "log4j-slf4j2-impl", "log4j-core",
            "log4j-jul", "jboss-logmanager", "jul-to-slf4j", "slf4j-jboss-logmanager");

    @Test
    void noLoggingBindingReachesAnEmbedder() throws Exception {
        List<String> dependencies = Files.readAllLines(Path.of("target", "runtime-dependencies.txt")).stream()
                .map(String::trim).filter(line -> line.split(":").length >= 5).toList();
        assertTrue(dependencies.stream().anyMatch(d -> d.startsWith("io.undertow:undertow-core:")), dependencies.toString());
        List<String> leaking = dependencies.stream()
                .filter(d -> BINDINGS.contains(d.split(":")[1]) && !d.contains("(optional)")).toList();
        assertEquals(List.of(), leaking, "logging bindings an embedder would get");
    }
}
