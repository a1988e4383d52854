package io.mpool.server.docker;

import io.mpool.server.ServerConfig;
import io.mpool.server.Sizes;
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
    private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(token|secret|password|passwd|api_?key|credential).*");
    private static final Pattern DIRECT_MEMORY = Pattern.compile("-XX:MaxDirectMemorySize=(\\S+)");

    private DockerfileLint() {
    }

    /** The inputs: the Dockerfile, the README's build command, the root pom's modules, .dockerignore. */
    record Project(String dockerfile, String readmeBuildCommand, List<String> modules, String dockerignore) {
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
            problems.add(runtime.from().line() + ": runtime stage copies nothing from a builder stage (COPY --from=...)");
            return problems.stream().map(p -> p.startsWith("Dockerfile:") ? p : "Dockerfile:" + p).toList();
        }
        String builderName = copyJar.arguments().substring("--from=".length()).split("\\s+")[0];
        Dockerfile.Stage builder = file.stage(builderName);
        if (builder == null) {
            problems.add("Dockerfile:" + copyJar.line() + ": COPY --from=" + builderName + " names no stage");
        } else {
            checkBuilder(builder, project, problems);
        }
        String[] copyWords = copyJar.arguments().split("\\s+");
        if (copyWords.length != 3 || !copyWords[1].endsWith("/" + BUILDER_JAR_DIR + "mpool-server.jar")) {
            problems.add("Dockerfile:" + copyJar.line() + ": expected to copy <workdir>/" + BUILDER_JAR_DIR
                    + "mpool-server.jar from the builder, got: " + copyJar.arguments());
        }
        checkRuntime(runtime, problems);
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
        List<Dockerfile.Instruction> runs = builder.all("RUN");
        boolean buildsLikeReadme = runs.stream().anyMatch(r -> r.arguments().strip().equals(project.readmeBuildCommand()));
        if (!buildsLikeReadme) {
            problems.add("Dockerfile:" + builder.from().line() + ": builder stage '" + builder.name()
                    + "' must RUN the README's build command exactly: " + project.readmeBuildCommand()
                    + " (found: " + runs.stream().map(Dockerfile.Instruction::arguments).toList() + ")");
        }
        List<String> copied = builder.all("COPY").stream().map(c -> c.arguments().split("\\s+")[0]).toList();
        if (!copied.contains("pom.xml")) {
            problems.add("Dockerfile:" + builder.from().line() + ": builder stage never copies the root pom.xml");
        }
        for (String module : project.modules()) {
            boolean pom = copied.contains(module + "/pom.xml") || copied.contains(module);
            boolean src = copied.contains(module + "/src") || copied.contains(module);
            if (!pom || !src) {
                problems.add("Dockerfile:" + builder.from().line() + ": builder stage does not copy module '" + module
                        + "' (its pom.xml and src) listed in the root pom");
            }
        }
    }

    private static void checkRuntime(Dockerfile.Stage runtime, List<String> problems) {
        Dockerfile.Instruction user = runtime.last("USER");
        if (user == null || user.arguments().matches("(root|0)(:.*)?")) {
            problems.add("Dockerfile:" + (user == null ? runtime.from().line() : user.line())
                    + ": the runtime stage must switch to a non-root USER");
        }
        Dockerfile.Instruction health = runtime.last("HEALTHCHECK");
        if (health == null || health.arguments().equalsIgnoreCase("NONE")) {
            problems.add("Dockerfile:" + runtime.from().line() + ": the runtime stage needs a HEALTHCHECK");
        } else if (health.arguments().matches("(?s).*\\b(curl|wget)\\b.*")) {
            problems.add("Dockerfile:" + health.line() + ": HEALTHCHECK uses curl/wget, which the JRE image lacks;"
                    + " use the jar's --health-check");
        }
        Map<String, String> env = runtime.env();
        Set<String> exposed = new TreeSet<>();
        runtime.all("EXPOSE").forEach(e -> exposed.addAll(List.of(e.arguments().replace("/tcp", "").split("\\s+"))));
        Set<String> expected = new TreeSet<>(List.of(String.valueOf(ServerConfig.DEFAULT_PORT),
                String.valueOf(ServerConfig.DEFAULT_ADMIN_PORT)));
        int exposeLine = runtime.all("EXPOSE").isEmpty() ? runtime.from().line() : runtime.last("EXPOSE").line();
        if (!exposed.equals(expected)) {
            problems.add("Dockerfile:" + exposeLine + ": EXPOSE " + exposed + " must equal the default ports " + expected);
        }
        expectEnv(runtime, env, "MPOOL_PORT", String.valueOf(ServerConfig.DEFAULT_PORT), problems);
        expectEnv(runtime, env, "MPOOL_ADMIN_PORT", String.valueOf(ServerConfig.DEFAULT_ADMIN_PORT), problems);
        expectEnv(runtime, env, "MPOOL_ADMIN_HOST", "0.0.0.0", problems);
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
        checkJvmOptions(runtime, env, problems);
        Dockerfile.Instruction entrypoint = runtime.last("ENTRYPOINT");
        List<String> exec = entrypoint == null ? null : Dockerfile.execForm(entrypoint.arguments());
        if (exec == null || exec.stream().noneMatch(a -> a.contains("exec java") && a.contains("$JAVA_OPTS"))) {
            problems.add("Dockerfile:" + (entrypoint == null ? runtime.from().line() : entrypoint.line())
                    + ": ENTRYPOINT must be exec form running 'exec java $JAVA_OPTS -jar ...' (PID 1 gets SIGTERM)");
        }
    }

    private static void checkJvmOptions(Dockerfile.Stage runtime, Map<String, String> env, List<String> problems) {
        String javaOpts = env.getOrDefault("JAVA_OPTS", "");
        int line = runtime.all("ENV").isEmpty() ? runtime.from().line() : runtime.last("ENV").line();
        for (String required : List.of("-XX:MaxRAMPercentage=", "-XX:+ExitOnOutOfMemoryError", "-XX:MaxDirectMemorySize=")) {
            if (!javaOpts.contains(required)) {
                problems.add("Dockerfile:" + line + ": JAVA_OPTS lacks " + required);
            }
        }
        Matcher direct = DIRECT_MEMORY.matcher(javaOpts);
        String arenaMax = env.get("MPOOL_ARENA_MAX");
        if (direct.find() && arenaMax != null) {
            long directBytes = Sizes.parse("MaxDirectMemorySize", direct.group(1));
            long arenaBytes = Sizes.parse("MPOOL_ARENA_MAX", arenaMax);
            if (directBytes < arenaBytes + (16L << 20)) {
                problems.add("Dockerfile:" + line + ": -XX:MaxDirectMemorySize=" + direct.group(1)
                        + " leaves no headroom over MPOOL_ARENA_MAX=" + arenaMax + " (expected: arena + at least 16m)");
            }
        } else if (arenaMax == null) {
            problems.add("Dockerfile:" + line + ": ENV MPOOL_ARENA_MAX must be set so direct memory can match it");
        }
    }

    private static void expectEnv(Dockerfile.Stage stage, Map<String, String> env, String key, String value,
                                  List<String> problems) {
        if (!value.equals(env.get(key))) {
            int line = stage.all("ENV").isEmpty() ? stage.from().line() : stage.last("ENV").line();
            problems.add("Dockerfile:" + line + ": ENV " + key + "=" + env.get(key) + " (expected: " + value + ")");
        }
    }
}
