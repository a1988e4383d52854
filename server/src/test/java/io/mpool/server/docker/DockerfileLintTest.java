package io.mpool.server.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The repository's Dockerfile passes the review checks; broken variants fail naming the line. */
class DockerfileLintTest {

    private final DockerfileLint.Project real = ProjectFiles.load(ProjectFiles.root());

    @Test
    void theRepositoryDockerfilePasses() {
        assertEquals(List.of(), DockerfileLint.check(real));
    }

    @Test
    void theReadmeBuildCommandIsFound() {
        assertEquals("mvn -B -q package -DskipTests", real.readmeBuildCommand());
    }

    @Test
    void anUnpinnedBaseImageFailsNamingItsLine() {
        assertProblem(real.dockerfile().replace("eclipse-temurin:17.0.13_11-jre-jammy", "eclipse-temurin:latest"),
                "base image eclipse-temurin:latest must be pinned");
        assertProblem(real.dockerfile().replace("maven:3.9.9-eclipse-temurin-17", "maven"), "base image maven must be pinned");
    }

    @Test
    void aBuildCommandDifferentFromTheReadmeFails() {
        assertProblem(real.dockerfile().replace("RUN mvn -B -q package -DskipTests", "RUN mvn -B package"),
                "must RUN the README's build command exactly");
    }

    @Test
    void runningAsRootFails() {
        assertProblem(real.dockerfile().replace("USER mpool", "USER root"), "non-root USER");
        assertProblem(real.dockerfile().replace("USER mpool\n", ""), "non-root USER");
    }

    @Test
    void aMissingOrCurlHealthcheckFails() {
        String dockerfile = real.dockerfile();
        int start = dockerfile.indexOf("HEALTHCHECK");
        int end = dockerfile.indexOf('\n', dockerfile.indexOf("--health-check"));
        assertProblem(dockerfile.substring(0, start) + dockerfile.substring(end + 1), "needs a HEALTHCHECK");
        assertProblem(dockerfile.substring(0, start) + "HEALTHCHECK CMD curl -f http://localhost:8080/hello\n"
                + dockerfile.substring(end + 1), "uses curl/wget");
    }

    @Test
    void exposedPortsMustBeTheDefaults() {
        assertProblem(real.dockerfile().replace("EXPOSE 8080 9090", "EXPOSE 8080"), "must equal the default ports");
    }

    @Test
    void aBakedInSecretFails() {
        assertProblem(real.dockerfile().replace("MPOOL_ARENA_MAX=256m \\", "MPOOL_ARENA_MAX=256m \\\n    MPOOL_ADMIN_TOKEN=hunter2 \\"),
                "ENV MPOOL_ADMIN_TOKEN bakes a secret");
    }

    @Test
    void directMemoryMustCoverTheArena() {
        assertProblem(real.dockerfile().replace("MaxDirectMemorySize=320m", "MaxDirectMemorySize=256m"),
                "leaves no headroom over MPOOL_ARENA_MAX=256m");
    }

    @Test
    void everyModuleMustBeCopiedIntoTheBuilder() {
        List<String> problems = DockerfileLint.check(new DockerfileLint.Project(real.dockerfile(),
                real.readmeBuildCommand(), List.of("mempool", "server", "loadtest", "extras"), real.dockerignore()));
        assertTrue(problems.stream().anyMatch(p -> p.contains("does not copy module 'extras'")), problems.toString());
    }

    @Test
    void problemsNameTheDockerfileLine() {
        String broken = real.dockerfile().replace("USER mpool", "USER 0");
        int line = 1 + (int) broken.substring(0, broken.indexOf("USER 0")).chars().filter(c -> c == '\n').count();
        List<String> problems = DockerfileLint.check(withDockerfile(broken));
        assertTrue(problems.contains("Dockerfile:" + line + ": the runtime stage must switch to a non-root USER"),
                problems.toString());
    }

    private void assertProblem(String dockerfile, String expected) {
        List<String> problems = DockerfileLint.check(withDockerfile(dockerfile));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("Dockerfile:") && p.contains(expected)),
                "expected a problem containing '" + expected + "', got " + problems);
    }

    private DockerfileLint.Project withDockerfile(String dockerfile) {
        return new DockerfileLint.Project(dockerfile, real.readmeBuildCommand(), real.modules(), real.dockerignore());
    }
}
