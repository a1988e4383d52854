package io.mpool.server.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mpool.testing.Await;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Docker-free proof that the image's steps work (no Docker engine runs on our machines): after
 * {@code package}, the files the Dockerfile copies (the jar, the entrypoint and probe scripts) are
 * laid out in a scratch folder as in the image; the ENTRYPOINT, run there with the Dockerfile's ENV
 * and a 512 MiB memory limit (ports moved to free ones so a busy machine cannot break the check),
 * derives the memory flags, serves {@code GET /hello}, prints an admin token and answers
 * {@code /admin/health} with it; the HEALTHCHECK command and the admin probe succeed; SIGTERM
 * stops it cleanly.
 */
class DockerfileIT {
    private static final Pattern TOKEN = Pattern.compile("generated admin token ([0-9a-f]{32})");
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root = ProjectFiles.root();
    private final DockerfileLint.Project project = ProjectFiles.load(root);
    private final Dockerfile dockerfile = Dockerfile.parse(project.dockerfile());

    @Test
    void theImageStepsBuildAndRunTheServer(@TempDir Path image) throws Exception {
        assertEquals(List.of(), DockerfileLint.check(project));

        Dockerfile.Stage runtime = dockerfile.finalStage();
        Dockerfile.Instruction copyJar = runtime.all("COPY").stream().filter(c -> c.arguments().startsWith("--from="))
                .findFirst().orElseThrow();
        List<String> copy = Dockerfile.operands(copyJar.arguments());
        Dockerfile.Stage builder = dockerfile.stage(copyJar.arguments().split("\\s+")[0].substring("--from=".length()));
        String builderPath = copy.get(0);
        String workdir = builder.workdir().endsWith("/") ? builder.workdir() : builder.workdir() + "/";
        assertTrue(builderPath.startsWith(workdir), builderPath + " is not under the builder's WORKDIR " + workdir);
        Path localJar = root.resolve(builderPath.substring(workdir.length()));
        assertTrue(Files.isRegularFile(localJar), "Dockerfile:" + copyJar.line()
                + ": copies " + builderPath + " but the README's build does not produce " + localJar);
        place(image, copy.get(1), localJar);
        runtime.contextCopies().forEach((inImage, inContext) -> place(image, inImage, root.resolve(inContext)));

        int port = freePort();
        int adminPort = freePort();
        Map<String, String> env = runtime.env();
        env.put("MPOOL_PORT", String.valueOf(port));
        env.put("MPOOL_ADMIN_PORT", String.valueOf(adminPort));
        env.put("MPOOL_MEMORY_LIMIT", "512Mi");
        env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));

        List<String> entrypoint = inImage(image, Dockerfile.execForm(runtime.last("ENTRYPOINT").arguments()));
        ProcessBuilder serverProcess = new ProcessBuilder(entrypoint).redirectErrorStream(true);
        serverProcess.environment().putAll(env);
        Process server = serverProcess.start();
        List<String> output = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    output.add(line);
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
        reader.start();
        try {
            awaitLine(output, "mpool listening on", server);
            // The budget for 512 MiB (README table): heap 128, direct 256, arena 224 MiB.
            List<String> jvmArguments = List.of(server.info().arguments().orElse(new String[0]));
            assertTrue(jvmArguments.containsAll(List.of("-Xmx128m", "-XX:MaxDirectMemorySize=256m")),
                    "the entrypoint's java: " + jvmArguments);
            assertTrue(output.stream().anyMatch(l -> l.contains("arenaMax=" + (224L << 20) + " ")), "arena: " + output);
            String token = output.stream().map(TOKEN::matcher).filter(Matcher::find).map(m -> m.group(1))
                    .findFirst().orElse(null);
            assertNotNull(token, "the server printed no generated admin token: " + output);

            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> hello = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, hello.statusCode());
            assertEquals("hello\n", hello.body());
            HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/admin/health"))
                    .header("Authorization", "Bearer " + token).build();
            HttpResponse<String> healthy = http.send(health, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, healthy.statusCode());
            // The combined view: its "status" is what this check needs (other fields may be added).
            assertEquals("UP", JSON.readTree(healthy.body()).path("status").asText(), healthy.body());
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + adminPort + "/admin/pools")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode(), "the admin endpoint is never open");

            List<String> healthcheck = inImage(image, Dockerfile.execForm(runtime.last("HEALTHCHECK").arguments()
                    .replaceFirst("^.*?CMD\\s+", "")));
            assertEquals(0, run(healthcheck, env).exitCode(), "HEALTHCHECK command failed");
            List<String> adminProbe = List.of(healthcheck.get(0), "/admin/health");
            env.put("MPOOL_ADMIN_TOKEN", token);
            assertEquals(0, run(adminProbe, env).exitCode(), "the probe with the token");
            env.put("MPOOL_ADMIN_TOKEN", "wrong");
            ProbeRun refused = run(adminProbe, env);
            assertEquals(1, refused.exitCode());
            assertTrue(refused.output().contains("401"), refused.output());
        } finally {
            // SIGTERM, as docker stop sends. Process.destroy() on this JDK ends the child without
            // running its shutdown hooks, so send the signal the way docker does.
            new ProcessBuilder("kill", "-TERM", String.valueOf(server.pid())).inheritIO().start().waitFor();
            boolean exited = server.waitFor(30, TimeUnit.SECONDS);
            if (!exited) {
                server.destroyForcibly();
            }
            reader.join(5_000);
            assertTrue(exited, "the server did not stop on SIGTERM: " + output);
        }
        assertTrue(output.stream().anyMatch(l -> l.contains("mpool stopped:") && l.contains("pagesOutstanding=0")),
                "no clean shutdown summary: " + output);
    }

    record ProbeRun(int exitCode, String output) {
    }

    static ProbeRun run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), command + " did not finish");
        return new ProbeRun(process.exitValue(), command + ": " + output);
    }

    /** A file of the image at its image path under the scratch root (a link to the checkout's file). */
    static void place(Path imageRoot, String imagePath, Path source) {
        try {
            Path target = imageRoot.resolve(imagePath.substring(1));
            Files.createDirectories(target.getParent());
            Files.createSymbolicLink(target, source.toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The image's command with its first word (an absolute image path) under the scratch root. */
    static List<String> inImage(Path imageRoot, List<String> command) {
        List<String> result = new ArrayList<>(command);
        result.set(0, imageRoot.resolve(command.get(0).substring(1)).toString());
        return result;
    }

    private static void awaitLine(List<String> output, String text, Process process) {
        List<String> seen = Await.until("a line with '" + text + "' (or the ENTRYPOINT's exit)", STARTUP,
                () -> List.copyOf(output), lines -> lines.stream().anyMatch(l -> l.contains(text)) || !process.isAlive());
        if (seen.stream().noneMatch(l -> l.contains(text))) {
            throw new AssertionError("the ENTRYPOINT exited with " + process.exitValue() + ": " + seen);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
