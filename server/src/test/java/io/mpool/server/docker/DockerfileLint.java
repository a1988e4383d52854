package io.mpool.server.docker;

import io.mpool.server.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a reviewer checks in our Dockerfile, as code. Each problem names the Dockerfile line, so a
 * wrong Dockerfile fails the build with a message that says where.
 */
final class DockerfileLint {
    static final String BUILDER_JAR_DIR = "server/target/";
    /** What the builder adds to the README's build command: the server and what it needs, no loadtest. */
    static final String SERVER_ONLY = " -pl server -am";
    /** The modules whose sources the image needs (the server and its reactor dependency). */
    static final List<String> IMAGE_MODULES = List.of("mempool", "server");
    /** docker stop's default wait between SIGTERM and SIGKILL. */
    static final Duration DOCKER_STOP_TIMEOUT = Duration.ofSeconds(10);
    static final String OCI = "org.opencontainers.image.";
    /** Base images whose distribution ships bash (Debian and Ubuntu releases), for a bash probe. */
    private static final Pattern BASH_BASE = Pattern.compile(".*-(jammy|noble|focal|bookworm|bullseye)$");
    private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(token|secret|password|passwd|api_?key|credential).*");
    private static final Pattern FIXED_MEMORY_FLAG = Pattern.compile("-Xmx\\S*|-XX:MaxDirectMemorySize=\\S*|-XX:MaxRAMPercentage=\\S*");
    private static final Pattern NUMERIC_NON_ROOT_USER = Pattern.compile("[1-9][0-9]*:[1-9][0-9]*");

    private DockerfileLint() {
    }

    /**
     * The inputs: the Dockerfile, the README's build command, the root pom's modules and version,
     * .dockerignore, and the checkout (for the files the Dockerfile copies in).
     */
    record Project(String dockerfile, String readmeBuildCommand, List<String> modules, String pomVersion,
                   String dockerignore, Path root) {
        Project withDockerfile(String text) {
            return new Project(text, readmeBuildCommand, modules, pomVersion, dockerignore, root);
        }
    }

    static List<String> check(Project project) {
        List<String> problems = new ArrayList<>();
        Dockerfile file;
        try {
            file = Dockerfile.parse(project.dockerfile());
        } catch (IllegalArgumentException e) {
            return List.of(e.getMessage());
        }
        if (file.stages().size() < 2) {
            problems.add("Dockerfile:1: expected a multi-stage build (a Maven builder stage and a JRE runtime stage)");
            return problems;
        }
        for (Dockerfile.Stage stage : file.stages()) {
            checkPinned(stage.from(), problems);
        }
        Dockerfile.Stage runtime = file.finalStage();
        Dockerfile.Instruction copyJar = runtime.all("COPY").stream()
                .filter(c -> c.arguments().startsWith("--from=")).findFirst().orElse(null);
        if (copyJar == null) {
            problems.add("Dockerfile:" + runtime.from().line() + ": runtime stage copies nothing from a builder stage (COPY --from=...)");
            return problems;
        }
        String builderName = copyJar.arguments().substring("--from=".length()).split("\\s+")[0];
        Dockerfile.Stage builder = file.stage(builderName);
        if (builder == null) {
            problems.add("Dockerfile:" + copyJar.line() + ": COPY --from=" + builderName + " names no stage");
        } else {
            checkBuilder(builder, project, problems);
        }
        List<String> copyWords = Dockerfile.operands(copyJar.arguments());
        if (copyWords.size() != 2 || !copyWords.get(0).endsWith("/" + BUILDER_JAR_DIR + "mpool-server.jar")) {
            problems.add("Dockerfile:" + copyJar.line() + ": expected to copy <workdir>/" + BUILDER_JAR_DIR
                    + "mpool-server.jar from the builder, got: " + copyJar.arguments());
        }
        checkRuntime(runtime, project, problems);
        if (copyWords.size() == 2) {
            checkEntrypoint(runtime, copyWords.get(1), project, problems);
        }
        for (String ignored : List.of("target", ".git")) {
            if (project.dockerignore() == null || project.dockerignore().lines().noneMatch(l -> l.contains(ignored))) {
                problems.add(".dockerignore: must keep " + ignored + " out of the build context");
            }
        }
        return problems;
    }

    private static void checkPinned(Dockerfile.Instruction from, List<String> problems) {
        String image = from.arguments().split("\\s+")[0];
        int colon = image.lastIndexOf(':');
        String tag = colon < 0 || image.indexOf('/', colon) >= 0 ? null : image.substring(colon + 1);
        if (tag == null || tag.equals("latest") || !tag.matches(".*\\d.*")) {
            problems.add("Dockerfile:" + from.line() + ": base image " + image
                    + " must be pinned to a version tag (not latest, not untagged)");
        }
    }

    private static void checkBuilder(Dockerfile.Stage builder, Project project, List<String> problems) {
        String expected = project.readmeBuildCommand() + SERVER_ONLY;
        Dockerfile.Instruction build = builder.all("RUN").stream()
                .filter(r -> String.join(" ", Dockerfile.operands(r.arguments())).equals(expected))
                .findFirst().orElse(null);
        if (build == null) {
            problems.add("Dockerfile:" + builder.from().line() + ": builder stage '" + builder.name()
                    + "' must RUN the README's build command for the server only: " + expected + " (found: "
                    + builder.all("RUN").stream().map(Dockerfile.Instruction::arguments).toList() + ")");
        } else if (!cachesDependencies(builder, build)) {
            problems.add("Dockerfile:" + build.line() + ": a source change downloads every dependency again:"
                    + " resolve them in their own layer (COPY only the poms, then RUN mvn dependency:go-offline)"
                    + " or RUN --mount=type=cache,target=/root/.m2/repository");
        }
        List<String> copied = builder.all("COPY").stream().map(c -> Dockerfile.operands(c.arguments()).get(0)).toList();
        if (!copied.contains("pom.xml")) {
            problems.add("Dockerfile:" + builder.from().line() + ": builder stage never copies the root pom.xml");
        }
        for (String module : project.modules()) {
            if (!copied.contains(module + "/pom.xml")) {
                problems.add("Dockerfile:" + builder.from().line() + ": builder stage does not copy " + module
                        + "/pom.xml (the reactor reads every module the root pom lists)");
            }
            boolean needed = IMAGE_MODULES.contains(module);
            boolean sources = copied.contains(module + "/src") || copied.contains(module);
            if (needed && !sources) {
                problems.add("Dockerfile:" + builder.from().line() + ": builder stage does not copy " + module
                        + "/src, which the server needs");
            } else if (!needed && sources) {
                problems.add("Dockerfile:" + builder.from().line() + ": builder stage copies " + module
                        + "'s sources, which the image does not need (build only what the image needs)");
            }
        }
    }

    /** A cache mount on the build, or go-offline after COPYing nothing but poms. */
    private static boolean cachesDependencies(Dockerfile.Stage builder, Dockerfile.Instruction build) {
        if (build.arguments().matches("(?s).*--mount=type=cache,\\S*target=\\S*\\.m2.*")) {
            return true;
        }
        for (Dockerfile.Instruction instruction : builder.instructions()) {
            if (instruction.keyword().equals("COPY") && !Dockerfile.operands(instruction.arguments()).get(0).endsWith("pom.xml")) {
                return false;
            }
            if (instruction.keyword().equals("RUN") && instruction.arguments().contains("dependency:go-offline")) {
                return true;
            }
        }
        return false;
    }

    private static void checkRuntime(Dockerfile.Stage runtime, Project project, List<String> problems) {
        Dockerfile.Instruction user = runtime.last("USER");
        if (user == null || !NUMERIC_NON_ROOT_USER.matcher(user.arguments().strip()).matches()) {
            problems.add("Dockerfile:" + (user == null ? runtime.from().line() : user.line())
                    + ": the runtime stage must switch to a non-root USER given as numbers uid:gid (e.g. 10001:10001),"
                    + " so runAsNonRoot can verify it");
        }
        checkLabels(runtime, project, problems);
        checkHealthcheck(runtime, project, problems);
        Map<String, String> env = runtime.env();
        Set<String> exposed = new TreeSet<>();
        runtime.all("EXPOSE").forEach(e -> exposed.addAll(List.of(e.arguments().replace("/tcp", "").split("\\s+"))));
        Set<String> expected = new TreeSet<>(List.of(String.valueOf(ServerConfig.DEFAULT_PORT),
                String.valueOf(ServerConfig.DEFAULT_ADMIN_PORT)));
        int exposeLine = runtime.all("EXPOSE").isEmpty() ? runtime.from().line() : runtime.last("EXPOSE").line();
        if (!exposed.equals(expected)) {
            problems.add("Dockerfile:" + exposeLine + ": EXPOSE " + exposed + " must equal the default ports " + expected);
        }
        int envLine = runtime.all("ENV").isEmpty() ? runtime.from().line() : runtime.last("ENV").line();
        expectEnv(env, envLine, "MPOOL_PORT", String.valueOf(ServerConfig.DEFAULT_PORT), problems);
        expectEnv(env, envLine, "MPOOL_ADMIN_PORT", String.valueOf(ServerConfig.DEFAULT_ADMIN_PORT), problems);
        expectEnv(env, envLine, "MPOOL_ADMIN_HOST", "0.0.0.0", problems);
        for (Dockerfile.Instruction instruction : runtime.all("ENV")) {
            for (Map.Entry<String, String> pair : Dockerfile.envPairs(instruction.arguments()).entrySet()) {
                if (SECRET_KEY.matcher(pair.getKey()).matches() && !pair.getValue().isEmpty()) {
                    problems.add("Dockerfile:" + instruction.line() + ": ENV " + pair.getKey()
                            + " bakes a secret into the image; pass it at docker run -e instead");
                }
            }
        }
        for (Dockerfile.Instruction arg : runtime.all("ARG")) {
            if (SECRET_KEY.matcher(arg.arguments()).matches()) {
                problems.add("Dockerfile:" + arg.line() + ": ARG " + arg.arguments() + " puts a secret in the image history");
            }
        }
        if (env.containsKey("MPOOL_ARENA_MAX")) {
            problems.add("Dockerfile:" + envLine + ": ENV MPOOL_ARENA_MAX fixes the arena whatever the container's"
                    + " memory; leave it to the entrypoint, which derives it from the limit");
        }
        Matcher fixed = FIXED_MEMORY_FLAG.matcher(env.getOrDefault("JAVA_OPTS", ""));
        if (fixed.find()) {
            problems.add("Dockerfile:" + envLine + ": JAVA_OPTS sets " + fixed.group()
                    + ", which overrides the memory budget the entrypoint derives from the container's limit");
        }
        String grace = env.get("MPOOL_SHUTDOWN_GRACE");
        Duration graceDuration = grace == null ? null : Quantities.duration(grace);
        if (graceDuration == null || graceDuration.compareTo(DOCKER_STOP_TIMEOUT) >= 0) {
            problems.add("Dockerfile:" + envLine + ": ENV MPOOL_SHUTDOWN_GRACE=" + grace + " (expected: a duration"
                    + " under docker stop's default timeout of " + DOCKER_STOP_TIMEOUT.toSeconds() + " s)");
        }
    }

    private static void checkLabels(Dockerfile.Stage runtime, Project project, List<String> problems) {
        Map<String, String> labels = runtime.labels();
        int line = runtime.all("LABEL").isEmpty() ? runtime.from().line() : runtime.last("LABEL").line();
        for (String key : List.of("title", "description", "version", "base.name")) {
            if (labels.getOrDefault(OCI + key, "").isBlank()) {
                problems.add("Dockerfile:" + line + ": LABEL " + OCI + key + " is missing (OCI image annotations)");
            }
        }
        String version = labels.get(OCI + "version");
        if (version != null && !version.equals(project.pomVersion())) {
            problems.add("Dockerfile:" + line + ": LABEL " + OCI + "version=" + version
                    + " (expected: the root pom's version " + project.pomVersion() + ")");
        }
        String base = labels.get(OCI + "base.name");
        String from = runtime.from().arguments().split("\\s+")[0];
        if (base != null && !base.equals(from)) {
            problems.add("Dockerfile:" + line + ": LABEL " + OCI + "base.name=" + base + " (expected: " + from + ")");
        }
    }

    private static void checkHealthcheck(Dockerfile.Stage runtime, Project project, List<String> problems) {
        Dockerfile.Instruction health = runtime.last("HEALTHCHECK");
        if (health == null || health.arguments().equalsIgnoreCase("NONE")) {
            problems.add("Dockerfile:" + runtime.from().line() + ": the runtime stage needs a HEALTHCHECK");
            return;
        }
        if (health.arguments().matches("(?s).*\\b(curl|wget)\\b.*")) {
            problems.add("Dockerfile:" + health.line() + ": HEALTHCHECK uses curl/wget, which the JRE image lacks");
            return;
        }
        List<String> command = Dockerfile.execForm(health.arguments().replaceFirst("^.*?CMD\\s+", ""));
        if (command == null || command.isEmpty()) {
            problems.add("Dockerfile:" + health.line() + ": HEALTHCHECK CMD must be exec form (a JSON array)");
            return;
        }
        if (command.stream().anyMatch(w -> w.equals("java") || w.endsWith("/java") || w.contains("exec java"))) {
            problems.add("Dockerfile:" + health.line() + ": HEALTHCHECK starts a second JVM every interval;"
                    + " use the image's probe script (bash /dev/tcp)");
            return;
        }
        String script = runtime.contextCopies().get(command.get(0));
        if (script == null) {
            problems.add("Dockerfile:" + health.line() + ": HEALTHCHECK runs " + command.get(0)
                    + ", which no COPY in the runtime stage puts into the image");
            return;
        }
        String shebang = ProjectFiles.read(project.root().resolve(script)).lines().findFirst().orElse("");
        String base = runtime.from().arguments().split("\\s+")[0];
        if (shebang.contains("bash") && !BASH_BASE.matcher(base).matches()) {
            problems.add("Dockerfile:" + health.line() + ": HEALTHCHECK runs " + script + " (" + shebang
                    + ") but base image " + base + " is not a Debian/Ubuntu release that ships bash");
        }
    }

    /** ENTRYPOINT: a script copied into the jar's folder that execs java with the arguments. */
    private static void checkEntrypoint(Dockerfile.Stage runtime, String imageJar, Project project, List<String> problems) {
        Dockerfile.Instruction entrypoint = runtime.last("ENTRYPOINT");
        List<String> exec = entrypoint == null ? null : Dockerfile.execForm(entrypoint.arguments());
        int line = entrypoint == null ? runtime.from().line() : entrypoint.line();
        String script = exec == null || exec.isEmpty() ? null : runtime.contextCopies().get(exec.get(0));
        if (script == null) {
            problems.add("Dockerfile:" + line + ": ENTRYPOINT must be exec form running the entrypoint script"
                    + " the runtime stage copies in (it derives the memory flags and execs java as PID 1)");
            return;
        }
        String text = ProjectFiles.read(project.root().resolve(script));
        if (!text.contains("exec java") || !text.contains("\"$@\"") || !text.contains("-XX:MaxDirectMemorySize")) {
            problems.add("Dockerfile:" + line + ": " + script + " must 'exec java' with -XX:MaxDirectMemorySize and"
                    + " pass \"$@\" (PID 1 gets SIGTERM; docker run's flags reach the server)");
        }
        Path scriptDir = Path.of(exec.get(0)).getParent();
        if (!Path.of(imageJar).getParent().equals(scriptDir) || !Files.isRegularFile(project.root().resolve(script))) {
            problems.add("Dockerfile:" + line + ": " + exec.get(0) + " runs the jar beside it, but the jar is copied to "
                    + imageJar);
        }
    }

    private static void expectEnv(Map<String, String> env, int line, String key, String value, List<String> problems) {
        if (!value.equals(env.get(key))) {
            problems.add("Dockerfile:" + line + ": ENV " + key + "=" + env.get(key) + " (expected: " + value + ")");
        }
    }
}
