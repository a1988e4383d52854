package io.mpool.server.docker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the checkout's Dockerfile, README, root pom, .dockerignore and deploy/ files for the Docker checks. */
final class ProjectFiles {
    private ProjectFiles() {
    }

    /** The checkout root: the nearest folder upwards from the working directory with a Dockerfile. */
    static Path root() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("Dockerfile"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no Dockerfile above " + System.getProperty("user.dir"));
        }
        return dir;
    }

    static DockerfileLint.Project load(Path root) {
        Path ignore = root.resolve(".dockerignore");
        String pom = read(root.resolve("pom.xml"));
        return new DockerfileLint.Project(read(root.resolve("Dockerfile")), readmeBuildCommand(read(root.resolve("README.md"))),
                modules(pom), version(pom), Files.exists(ignore) ? read(ignore) : null, root);
    }

    /** The root pom's own version (the one after its artifactId, not a dependency's). */
    static String version(String pom) {
        Matcher matcher = Pattern.compile("<artifactId>mpool-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        if (!matcher.find()) {
            throw new IllegalStateException("pom.xml: no <version> after <artifactId>mpool-parent</artifactId>");
        }
        return matcher.group(1).strip();
    }

    /** The README's build-and-run line is {@code <build> && java -jar ...}; returns {@code <build>}. */
    static String readmeBuildCommand(String readme) {
        return readme.lines().map(String::strip)
                .filter(l -> l.startsWith("mvn ") && l.contains(" && java ") && l.contains(" -jar "))
                .findFirst()
                .map(l -> l.substring(0, l.indexOf(" && ")).strip())
                .orElseThrow(() -> new IllegalStateException("README.md has no 'mvn ... && java -jar ...' run command"));
    }

    static List<String> modules(String pom) {
        List<String> modules = new ArrayList<>();
        Matcher matcher = Pattern.compile("<module>\\s*([^<]+?)\\s*</module>").matcher(pom);
        while (matcher.find()) {
            modules.add(matcher.group(1));
        }
        return modules;
    }

    static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
