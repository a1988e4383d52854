package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The runnable jar ({@code server/target/mpool-server.jar}) carries the licence and notice files of
 * every dependency it bundles, each under {@code META-INF/licenses/<artifactId>/}, byte for byte as
 * the dependency ships them; {@code META-INF/LICENSE} is mpool's own. Runs after {@code package}.
 */
class ShadedJarLicensesIT {
    private static final Pattern NOTICE_FILE = Pattern.compile("META-INF/(LICENSE|NOTICE|COPYING)[^/]*");
    /** The dependencies that ship such files today: jackson, micrometer, prometheus, slf4j, jboss, HdrHistogram. */
    private static final int AT_LEAST = 10;

    @Test
    void everyBundledDependencysLicenceAndNoticeIsInTheJar() throws IOException {
        Path shaded = Path.of("target", "mpool-server.jar");
        assertTrue(Files.exists(shaded), shaded.toAbsolutePath() + " (expected: built by package)");
        TreeMap<String, List<String>> kept = new TreeMap<>();
        try (ZipFile jar = new ZipFile(shaded.toFile())) {
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                Path dependency = Path.of(entry);
                if (!entry.endsWith(".jar") || dependency.getParent() == null || dependency.getParent().getParent() == null) {
                    continue;
                }
                String artifactId = dependency.getParent().getParent().getFileName().toString(); // .m2 layout
                try (ZipFile source = new ZipFile(dependency.toFile())) {
                    if (!bundled(source, jar)) {
                        continue; // a test dependency
                    }
                    for (Enumeration<? extends ZipEntry> e = source.entries(); e.hasMoreElements(); ) {
                        ZipEntry file = e.nextElement();
                        if (!NOTICE_FILE.matcher(file.getName()).matches()) {
                            continue;
                        }
                        String name = file.getName().substring("META-INF/".length());
                        String copy = "META-INF/licenses/" + artifactId + "/" + name;
                        ZipEntry copied = jar.getEntry(copy);
                        assertNotNull(copied, copy + " (expected: " + file.getName() + " of " + dependency.getFileName() + ")");
                        assertArrayEquals(source.getInputStream(file).readAllBytes(), jar.getInputStream(copied).readAllBytes(), copy);
                        kept.computeIfAbsent(artifactId, k -> new ArrayList<>()).add(name);
                    }
                }
            }
            assertTrue(kept.size() >= AT_LEAST, "licence files of " + kept.size() + " dependencies: " + kept);
            System.out.println("licence and notice files in " + shaded + ": " + kept);
            ZipEntry own = jar.getEntry("META-INF/LICENSE");
            assertNotNull(own, "META-INF/LICENSE");
            assertEquals(Files.readString(Path.of("..", "LICENSE")), new String(jar.getInputStream(own).readAllBytes(),
                    StandardCharsets.UTF_8), "META-INF/LICENSE is mpool's own");
        }
    }

    /** Beside the jars, a sources jar (maven-source-plugin) with the public API's sources, for IDEs and embedders. */
    @Test
    void aSourcesJarIsBuiltBesideTheJar() throws IOException {
        List<Path> sources;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            sources = files.filter(p -> p.getFileName().toString().matches("mpool-server-.+-sources\\.jar")).toList();
        }
        assertEquals(1, sources.size(), "target/mpool-server-<version>-sources.jar: " + sources);
        try (ZipFile jar = new ZipFile(sources.get(0).toFile())) {
            assertNotNull(jar.getEntry("io/mpool/server/MpoolServer.java"), sources.get(0) + " holds the sources");
        }
    }

    /** The library jar (what an embedder depends on) names its module for the module path. */
    @Test
    void theLibraryJarNamesItsAutomaticModule() throws IOException {
        List<Path> jars;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            jars = files.filter(p -> p.getFileName().toString().matches("mpool-server-[^-]+(-SNAPSHOT)?\\.jar")).toList();
        }
        assertEquals(1, jars.size(), "target/mpool-server-<version>.jar: " + jars);
        try (JarFile jar = new JarFile(jars.get(0).toFile())) {
            assertEquals("io.mpool.server", jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name"),
                    jars.get(0) + " manifest");
        }
    }

    /** Whether any class of {@code source} is in the shaded jar (the build bundled it). */
    private static boolean bundled(ZipFile source, ZipFile shaded) {
        for (Enumeration<? extends ZipEntry> e = source.entries(); e.hasMoreElements(); ) {
            String name = e.nextElement().getName();
            if (name.endsWith(".class") && !name.endsWith("module-info.class")) {
                return shaded.getEntry(name) != null;
            }
        }
        return false;
    }
}
