package io.mpool.server.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The repository's Dockerfile passes the review checks; broken variants fail naming the line. */
class DockerfileLintTest {
    private static final String RUNTIME_BASE = "eclipse-temurin:17.0.13_11-jre-jammy";
    private static final String BUILD = "RUN --mount=type=cache,target=/root/.m2/repository mvn -B -q package -DskipTests -pl server -am";

    private final DockerfileLint.Project real = ProjectFiles.load(ProjectFiles.root());

    @Test
    void theRepositoryDockerfilePasses() {
        assertEquals(List.of(), DockerfileLint.check(real));
        assertTrue(real.dockerfile().contains(BUILD), "the tests below edit this line: " + BUILD);
    }

    @Test
    void theReadmeBuildCommandIsFound() {
        assertEquals("mvn -B -q package -DskipTests", real.readmeBuildCommand());
    }

    @Test
    void anUnpinnedBaseImageFailsNamingItsLine() {
        assertProblem(real.dockerfile().replace("ARG RUNTIME_IMAGE=" + RUNTIME_BASE, "ARG RUNTIME_IMAGE=eclipse-temurin:latest"),
                "base image eclipse-temurin:latest must be pinned");
        assertProblem(real.dockerfile().replace("maven:3.9.9-eclipse-temurin-17", "maven"), "base image maven must be pinned");
        // A build argument without a default leaves a plain docker build without a base image.
        assertProblem(real.dockerfile().replace("ARG RUNTIME_IMAGE=" + RUNTIME_BASE, "ARG RUNTIME_IMAGE"),
                "base image ${RUNTIME_IMAGE} must be pinned");
    }

    @Test
    void theBaseImagesAreBuildArgumentsWhoseDefaultsAreChecked() {
        assertTrue(real.dockerfile().contains("ARG RUNTIME_IMAGE=" + RUNTIME_BASE + "\n"), "the tests edit this line");
        Dockerfile.Stage runtime = Dockerfile.parse(real.dockerfile()).finalStage();
        assertEquals(RUNTIME_BASE, runtime.from().arguments());
        assertEquals(RUNTIME_BASE, runtime.labels().get(DockerfileLint.OCI + "base.name"));
        // A runtime stage that does not declare the argument cannot put it in its label.
        assertProblem(real.dockerfile().replace("ARG RUNTIME_IMAGE\n", ""),
                "base.name=${RUNTIME_IMAGE} (expected: " + RUNTIME_BASE + ")");
        String alpine = "eclipse-temurin:17.0.13_11-jre-alpine";
        assertProblem(real.dockerfile().replace("ARG RUNTIME_IMAGE=" + RUNTIME_BASE, "ARG RUNTIME_IMAGE=" + alpine),
                "base image " + alpine + " is not a Debian/Ubuntu release");
    }

    @Test
    void theBuilderBuildsTheServerOnly() {
        assertProblem(real.dockerfile().replace(" -pl server -am", ""), "README's build command for the server only");
        assertProblem(real.dockerfile().replace("COPY server/src server/src", "COPY server/src server/src\nCOPY loadtest/src loadtest/src"),
                "copies loadtest's sources, which the image does not need");
        assertProblem(real.dockerfile().replace("COPY mempool/src mempool/src\n", ""), "does not copy mempool/src");
    }

    @Test
    void dependenciesMustBeResolvedOutsideTheSourceLayers() {
        String uncached = real.dockerfile().replace("--mount=type=cache,target=/root/.m2/repository ", "");
        assertProblem(uncached, "a source change downloads every dependency again");
        // The other accepted way: go-offline after the poms, before any source.
        String goOffline = uncached.replace("COPY mempool/src mempool/src",
                "RUN mvn -B -q dependency:go-offline\nCOPY mempool/src mempool/src");
        assertEquals(List.of(), DockerfileLint.check(real.withDockerfile(goOffline)));
        String sourcesFirst = uncached.replace("COPY mempool/src mempool/src",
                "COPY mempool/src mempool/src\nRUN mvn -B -q dependency:go-offline");
        assertProblem(sourcesFirst, "a source change downloads every dependency again");
    }

    @Test
    void theUserMustBeNumericAndNotRoot() {
        assertProblem(real.dockerfile().replace("USER 10001:10001", "USER root"), "non-root USER given as numbers");
        assertProblem(real.dockerfile().replace("USER 10001:10001", "USER 0:0"), "non-root USER given as numbers");
        assertProblem(real.dockerfile().replace("USER 10001:10001", "USER mpool"), "non-root USER given as numbers");
        assertProblem(real.dockerfile().replace("USER 10001:10001\n", ""), "non-root USER given as numbers");
    }

    @Test
    void ociLabelsNameTheImageVersionAndBase() {
        assertProblem(real.dockerfile().replace("org.opencontainers.image.title=\"mpool\" \\\n", ""),
                "LABEL org.opencontainers.image.title is missing");
        assertProblem(real.dockerfile().replace("image.version=\"" + real.pomVersion() + "\"", "image.version=\"9.9\""),
                "image.version=9.9 (expected: the root pom's version " + real.pomVersion() + ")");
        assertProblem(real.dockerfile().replace("base.name=\"${RUNTIME_IMAGE}\"", "base.name=\"ubuntu:22.04\""),
                "base.name=ubuntu:22.04 (expected: " + RUNTIME_BASE + ")");
    }

    @Test
    void theHealthcheckNeedsNoSecondJvmAndNoMissingTool() {
        String dockerfile = real.dockerfile();
        int start = dockerfile.indexOf("HEALTHCHECK");
        int end = dockerfile.indexOf('\n', dockerfile.indexOf("CMD [", start));
        String before = dockerfile.substring(0, start);
        String after = dockerfile.substring(end + 1);
        assertProblem(before + after, "needs a HEALTHCHECK");
        assertProblem(before + "HEALTHCHECK CMD curl -f http://localhost:8080/hello\n" + after, "uses curl/wget");
        assertProblem(before + "HEALTHCHECK CMD [\"java\", \"-jar\", \"/opt/mpool/mpool-server.jar\", \"--health-check\"]\n"
                + after, "starts a second JVM");
        assertProblem(before + "HEALTHCHECK CMD [\"/opt/mpool/nope\", \"/hello\"]\n" + after, "which no COPY");
        String alpine = "eclipse-temurin:17.0.13_11-jre-alpine";
        assertProblem(dockerfile.replace(RUNTIME_BASE, alpine), "base image " + alpine + " is not a Debian/Ubuntu release");
    }

    @Test
    void exposedPortsMustBeTheDefaults() {
        assertProblem(real.dockerfile().replace("EXPOSE 8080 9090", "EXPOSE 8080"), "must equal the default ports");
    }

    @Test
    void aBakedInSecretFails() {
        assertProblem(real.dockerfile().replace("MALLOC_ARENA_MAX=2 \\", "MALLOC_ARENA_MAX=2 \\\n    MPOOL_ADMIN_TOKEN=hunter2 \\"),
                "ENV MPOOL_ADMIN_TOKEN bakes a secret");
    }

    @Test
    void fixedMemoryFlagsWouldOverrideTheDerivedBudget() {
        assertProblem(real.dockerfile().replace("JAVA_OPTS=\"\"", "JAVA_OPTS=\"-Xmx512m\""), "JAVA_OPTS sets -Xmx512m");
        assertProblem(real.dockerfile().replace("JAVA_OPTS=\"\"", "JAVA_OPTS=\"-XX:MaxDirectMemorySize=320m\""),
                "JAVA_OPTS sets -XX:MaxDirectMemorySize=320m");
        assertProblem(real.dockerfile().replace("MALLOC_ARENA_MAX=2 \\", "MALLOC_ARENA_MAX=2 \\\n    MPOOL_ARENA_MAX=256m \\"),
                "ENV MPOOL_ARENA_MAX fixes the arena");
    }

    @Test
    void theShutdownGraceMustEndBeforeDockerStopKills() {
        assertProblem(real.dockerfile().replace("MPOOL_SHUTDOWN_GRACE=5s", "MPOOL_SHUTDOWN_GRACE=10s"),
                "MPOOL_SHUTDOWN_GRACE=10s (expected: a duration under docker stop's default timeout of 10 s)");
        assertProblem(real.dockerfile().replace("    MPOOL_SHUTDOWN_GRACE=5s \\\n", ""), "MPOOL_SHUTDOWN_GRACE=null");
    }

    @Test
    void theEntrypointIsTheBudgetScriptExecingJava() {
        assertProblem(real.dockerfile().replace("ENTRYPOINT [\"/opt/mpool/entrypoint\"]",
                "ENTRYPOINT [\"java\", \"-jar\", \"/opt/mpool/mpool-server.jar\"]"), "ENTRYPOINT must be exec form running");
        assertProblem(real.dockerfile().replace("/opt/mpool/mpool-server.jar", "/opt/server.jar"), "runs the jar beside it");
    }

    @Test
    void everyModulePomMustBeCopiedIntoTheBuilder() {
        List<String> problems = DockerfileLint.check(new DockerfileLint.Project(real.dockerfile(), real.readmeBuildCommand(),
                List.of("mempool", "server", "loadtest", "extras"), real.pomVersion(), real.dockerignore(), real.root()));
        assertTrue(problems.stream().anyMatch(p -> p.contains("does not copy extras/pom.xml")), problems.toString());
    }

    @Test
    void problemsNameTheDockerfileLine() {
        String broken = real.dockerfile().replace("USER 10001:10001", "USER 0");
        int line = 1 + (int) broken.substring(0, broken.indexOf("USER 0")).chars().filter(c -> c == '\n').count();
        List<String> problems = DockerfileLint.check(real.withDockerfile(broken));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("Dockerfile:" + line + ": the runtime stage must switch")),
                problems.toString());
    }

    private void assertProblem(String dockerfile, String expected) {
        List<String> problems = DockerfileLint.check(real.withDockerfile(dockerfile));
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("Dockerfile:") && p.contains(expected)),
                "expected a problem containing '" + expected + "', got " + problems);
    }
}
