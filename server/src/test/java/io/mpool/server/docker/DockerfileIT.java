package io.mpool.server.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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

/**
 * The Docker-free proof that the image's steps work (no Docker engine runs on our machines): after
 * {@code package}, the jar the Dockerfile copies exists, and the ENTRYPOINT, run here with the
 * Dockerfile's ENV (image paths mapped to the checkout, ports moved to free ones so a busy
 * machine cannot break the check), serves {@code GET /hello}, prints an admin token and answers
 * {@code /admin/health} with it; the HEALTHCHECK command succeeds; SIGTERM stops it cleanly.
 */
class DockerfileIT {
    private static final Pattern TOKEN = Pattern.compile("generated admin token ([0-9a-f]{32})");
    private static final Duration STARTUP = Duration.ofSeconds(60);

    private final Path root = ProjectFiles.root();
    private final DockerfileLint.Project project = ProjectFiles.load(root);
    private final Dockerfile dockerfile = Dockerfile.parse(project.dockerfile());

    @Test
    void theImageStepsBuildAndRunTheServer() throws Exception {
        assertEquals(List.of(), DockerfileLint.check(project));

        Dockerfile.Stage runtime = dockerfile.finalStage();
        String[] copy = runtime.all("COPY").stream().filter(c -> c.arguments().startsWith("--from="))
                .findFirst().orElseThrow().arguments().split("\\s+");
        Dockerfile.Stage builder = dockerfile.stage(copy[0].substring("--from=".length()));
        String builderPath = copy[1];
        String imageJar = copy[2];
        String workdir = builder.workdir().endsWith("/") ? builder.workdir() : builder.workdir() + "/";
        assertTrue(builderPath.startsWith(workdir), builderPath + " is not under the builder's WORKDIR " + workdir);
        Path localJar = root.resolve(builderPath.substring(workdir.length()));
        assertTrue(Files.isRegularFile(localJar), "Dockerfile:" + runtime.all("COPY").get(0).line()
                + ": copies " + builderPath + " but the README's build does not produce " + localJar);

        int port = freePort();
        int adminPort = freePort();
        Map<String, String> env = runtime.env();
        env.put("MPOOL_PORT", String.valueOf(port));
        env.put("MPOOL_ADMIN_PORT", String.valueOf(adminPort));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        List<String> entrypoint = Dockerfile.execForm(runtime.last("ENTRYPOINT").arguments());
        List<String> command = remap(entrypoint, imageJar, localJar, java);
        ProcessBuilder builderProcess = new ProcessBuilder(command).redirectErrorStream(true);
        builderProcess.environment().putAll(env);
        Process server = builderProcess.start();
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
            assertEquals("{\"status\":\"UP\"}", healthy.body());
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + adminPort + "/admin/pools")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode(), "the admin endpoint is never open");

            List<String> healthcheck = remap(Dockerfile.execForm(runtime.last("HEALTHCHECK").arguments()
                    .replaceFirst("^.*?CMD\\s+", "")), imageJar, localJar, java);
            ProcessBuilder check = new ProcessBuilder(healthcheck).redirectErrorStream(true);
            check.environment().putAll(env);
            Process checkProcess = check.start();
            String checkOutput = new String(checkProcess.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(checkProcess.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, checkProcess.exitValue(), "HEALTHCHECK command failed: " + checkOutput);
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

    /** The image's command with the jar path and java mapped to this machine. */
    private static List<String> remap(List<String> command, String imageJar, Path localJar, String java) {
        List<String> result = new ArrayList<>();
        for (String part : command) {
            String mapped = part.replace(imageJar, localJar.toString());
            if (mapped.equals("java")) {
                mapped = java;
            }
            result.add(mapped.replace("exec java ", "exec " + java + " "));
        }
        return result;
    }

    private static void awaitLine(List<String> output, String text, Process process) throws InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (output.stream().anyMatch(l -> l.contains(text))) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("the ENTRYPOINT exited with " + process.exitValue() + ": " + output);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no '" + text + "' within " + STARTUP + ": " + output);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
