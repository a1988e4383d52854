package io.mpool.server.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mpool.server.MpoolServer;
import io.mpool.server.TestServers;
import io.mpool.server.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every probe and scrape the fleet files send is answered 200 by a real server: the Kubernetes
 * probes run the image's probe script itself (bash /dev/tcp, the admin token from the
 * environment, as in the pod), the Docker HEALTHCHECK likewise, Prometheus's metrics path is a
 * GET with the bearer token. A path the server does not serve fails naming the file and field.
 */
class FleetProbePathsTest {
    private static final String TOKEN = "fleet-probe-token";

    private final Fleet fleet = Fleet.load(ProjectFiles.root());

    @Test
    void everyProbePathIsServed() throws Exception {
        MpoolServer server = TestServers.demo(ServerConfig.defaults(0, 0).withAdmin("127.0.0.1", TOKEN)).start();
        List<String> failures = new ArrayList<>();
        try {
            Dockerfile.Stage runtime = Dockerfile.parse(fleet.project().dockerfile()).finalStage();
            Map<String, String> env = new HashMap<>();
            env.put("MPOOL_HOST", "127.0.0.1");
            env.put("MPOOL_PORT", String.valueOf(server.port()));
            env.put("MPOOL_ADMIN_HOST", "127.0.0.1");
            env.put("MPOOL_ADMIN_PORT", String.valueOf(server.adminPort()));
            env.put("MPOOL_ADMIN_TOKEN", TOKEN);
            List<FleetLint.Probe> probes = new ArrayList<>(FleetLint.probes(fleet));
            List<String> healthcheck = Dockerfile.execForm(runtime.last("HEALTHCHECK").arguments().replaceFirst("^.*?CMD\\s+", ""));
            probes.add(new FleetLint.Probe("Dockerfile:" + runtime.last("HEALTHCHECK").line() + ": HEALTHCHECK", healthcheck,
                    healthcheck.get(1)));
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            for (FleetLint.Probe probe : probes) {
                if (probe.command() != null) {
                    List<String> command = new ArrayList<>(probe.command());
                    String script = runtime.contextCopies().get(command.get(0));
                    command.set(0, fleet.root().resolve(script).toString());
                    DockerfileIT.ProbeRun run = DockerfileIT.run(command, env);
                    if (run.exitCode() != 0) {
                        failures.add(probe.where() + ": " + probe.path() + " not served: " + run.output().strip());
                    }
                } else {
                    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.adminPort() + probe.path()))
                            .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (answer.statusCode() != 200) {
                        failures.add(probe.where() + ": " + probe.path() + " answered " + answer.statusCode() + " on the"
                                + " admin listener");
                    }
                }
            }
        } finally {
            server.stop(Duration.ofSeconds(2));
        }
        assertEquals(0, server.arenaStats().pagesInUse(), "arena pages outstanding after stop");
        assertEquals(List.of(), failures);
    }
}
