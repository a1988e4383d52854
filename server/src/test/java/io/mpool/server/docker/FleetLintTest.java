package io.mpool.server.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The repository's fleet files (deploy/) pass the rules; a copy with one field broken fails with
 * a problem naming that file and field.
 */
class FleetLintTest {
    private static final String DEPLOYMENT = "deploy/kubernetes/deployment.yaml";
    private static final String PDB = "deploy/kubernetes/pdb.yaml";
    private static final String SERVICE = "deploy/kubernetes/service.yaml";
    private static final String CONTAINER = "spec.template.spec.containers[mpool]";

    private final Fleet real = Fleet.load(ProjectFiles.root());

    @Test
    void theRepositoryFleetFilesPass() {
        assertEquals(List.of(), FleetLint.check(real));
    }

    @Test
    void everyProbeAndScrapePathIsFound() {
        List<String> paths = FleetLint.probes(real).stream().map(FleetLint.Probe::path).toList();
        assertEquals(List.of(FleetLint.LIVE, FleetLint.LIVE, FleetLint.READY, FleetLint.METRICS), paths);
    }

    @Test
    void oneReplicaFails() {
        assertDeploymentProblem(d -> d.withObjectProperty("spec").put("replicas", 1), "spec.replicas=1 (expected: at least 2");
    }

    @Test
    void rootOrAWritableRootFilesystemFails() {
        assertDeploymentProblem(d -> pod(d).withObjectProperty("securityContext").put("runAsNonRoot", false),
                "spec.template.spec.securityContext.runAsNonRoot must be true");
        assertDeploymentProblem(d -> pod(d).withObjectProperty("securityContext").put("runAsUser", 0),
                "spec.template.spec.securityContext.runAsUser=0 (expected: the image's USER 10001)");
        assertDeploymentProblem(d -> container(d).withObjectProperty("securityContext").put("readOnlyRootFilesystem", false),
                CONTAINER + ".securityContext.readOnlyRootFilesystem must be true");
        assertDeploymentProblem(d -> container(d).remove("volumeMounts"), CONTAINER + ".volumeMounts: no emptyDir at /tmp");
    }

    @Test
    void memoryRequestsMustEqualLimitsAndTheBudgetMustFit() {
        assertDeploymentProblem(d -> container(d).withObjectProperty("resources").withObjectProperty("requests").put("memory", "512Mi"),
                CONTAINER + ".resources.requests.memory=512Mi (expected: = limits.memory 1Gi");
        assertDeploymentProblem(d -> limits(d).put("memory", "200Mi"),
                CONTAINER + ".resources.limits.memory=200Mi: memory limit 200 MiB (MPOOL_MEMORY_LIMIT=200Mi) is below the 256 MiB");
        assertDeploymentProblem(d -> env(d).addObject().put("name", "MPOOL_ARENA_MAX").put("value", "900m"),
                CONTAINER + ".resources.limits.memory=1Gi: MPOOL_ARENA_MAX=900m does not fit the 1024 MiB limit");
        assertDeploymentProblem(d -> env(d).addObject().put("name", "JAVA_OPTS").put("value", "-Xmx800m"),
                CONTAINER + ".env[JAVA_OPTS]=-Xmx800m overrides the budget");
        assertDeploymentProblem(d -> env(d).remove(0), CONTAINER + ".env[MPOOL_MEMORY_LIMIT] must come from resourceFieldRef");
    }

    @Test
    void theTokenMustComeFromASecret() {
        assertDeploymentProblem(d -> {
            ObjectNode token = (ObjectNode) env(d).get(2);
            token.remove("valueFrom");
            token.put("value", "hunter2");
        }, CONTAINER + ".env[MPOOL_ADMIN_TOKEN] must come from a Secret");
        assertDeploymentProblem(d -> ((ObjectNode) env(d).get(1)).put("value", "127.0.0.1"),
                CONTAINER + ".env[MPOOL_ADMIN_HOST]=127.0.0.1 (expected: 0.0.0.0");
    }

    @Test
    void probesMustUseTheRightEndpoint() {
        assertDeploymentProblem(d -> ((ArrayNode) container(d).withObjectProperty("livenessProbe").withObjectProperty("exec").get("command")).set(1,
                FleetLint.READY), CONTAINER + ".livenessProbe.exec.command=[/opt/mpool/probe, /admin/health/ready] (expected:"
                + " [/opt/mpool/probe, /admin/health/live]");
        assertDeploymentProblem(d -> {
            ObjectNode probe = container(d).withObjectProperty("readinessProbe");
            probe.remove("exec");
            probe.withObjectProperty("httpGet").put("path", FleetLint.READY).put("port", "admin");
        }, CONTAINER + ".readinessProbe.httpGet: an httpGet probe's headers are plain text");
    }

    @Test
    void theKubeletMustWaitLongerThanPreStopPlusTheDrain() {
        assertDeploymentProblem(d -> pod(d).put("terminationGracePeriodSeconds", 20),
                "spec.template.spec.terminationGracePeriodSeconds=20 (expected: more than preStop 5 s + MPOOL_SHUTDOWN_GRACE 5 s"
                        + " + the server's close-out 10 s = 20 s)");
        assertDeploymentProblem(d -> ((ObjectNode) env(d).get(3)).put("value", "30s"),
                "spec.template.spec.terminationGracePeriodSeconds=30 (expected: more than preStop 5 s + MPOOL_SHUTDOWN_GRACE 30 s");
        assertDeploymentProblem(d -> container(d).remove("lifecycle"), CONTAINER + ".lifecycle.preStop must pause");
    }

    @Test
    void theImageMustBeTheDockerfiles() {
        assertDeploymentProblem(d -> container(d).put("image", "mpool:latest"),
                CONTAINER + ".image=mpool:latest (expected: mpool:" + real.project().pomVersion());
        assertProblem(real.withDockerfile(real.project().dockerfile().replace("image.title=\"mpool\"", "image.title=\"other\"")),
                DEPLOYMENT + ": " + CONTAINER + ".image=mpool:" + real.project().pomVersion() + " (expected: other:");
    }

    @Test
    void theServiceAndDisruptionBudgetMustFitTheDeployment() {
        ObjectNode pdb = real.copyOf(PDB);
        pdb.withObjectProperty("spec").remove("maxUnavailable");
        pdb.withObjectProperty("spec").put("minAvailable", 3);
        assertProblem(real.withKubernetes(PDB, pdb), PDB + ": spec.minAvailable=3 (expected: below the 3 replicas");
        assertProblem(real.withoutKubernetes(PDB), "deploy/kubernetes/kustomization.yaml: resources: no PodDisruptionBudget");
        ObjectNode service = real.copyOf(SERVICE);
        ((ObjectNode) service.withObjectProperty("spec").get("ports").get(0)).put("port", 80);
        assertProblem(real.withKubernetes(SERVICE, service), SERVICE + ": spec.ports: no port 8080");
        ObjectNode admin = real.copyOf(SERVICE);
        ((ArrayNode) admin.withObjectProperty("spec").get("ports")).addObject().put("name", "admin").put("port", 9090).put("targetPort", "admin");
        assertProblem(real.withKubernetes(SERVICE, admin), SERVICE + ": spec.ports: the admin port must stay inside");
    }

    @Test
    void composeNeedsThreeNonRootReplicasThatFitTheirLimitAndTime() {
        assertComposeProblem(c -> mpool(c).withObjectProperty("deploy").put("replicas", 2), "services.mpool.deploy.replicas=2 (expected: at least 3)");
        assertComposeProblem(c -> mpool(c).put("user", "0:0"), "services.mpool.user=0:0 (expected: the image's non-root USER");
        assertComposeProblem(c -> mpool(c).withObjectProperty("deploy").withObjectProperty("resources").withObjectProperty("limits").put("memory", "128M"),
                "services.mpool.deploy.resources.limits.memory=128M: memory limit 128 MiB");
        assertComposeProblem(c -> mpool(c).put("stop_grace_period", "10s"),
                "services.mpool.stop_grace_period=10s (expected: at least MPOOL_SHUTDOWN_GRACE + the server's close-out 10 s = 15 s)");
        assertComposeProblem(c -> mpool(c).put("image", "mpool:dev"), "services.mpool.image=mpool:dev (expected: mpool:");
        assertComposeProblem(c -> mpool(c).withObjectProperty("environment").put("MPOOL_ADMIN_TOKEN", "hunter2"),
                "services.mpool.environment.MPOOL_ADMIN_TOKEN puts the token in the compose file");
        assertComposeProblem(c -> mpool(c).putArray("ports").add("8080:8080"), "services.mpool.ports: replicas cannot share");
    }

    @Test
    void nginxMustKeepUpstreamConnectionsAlive() {
        assertProblem(real.withNginxConf(real.nginxConf().replace("keepalive 64;", "")),
                Fleet.NGINX_CONF + ": upstream mpool.keepalive is missing");
        assertProblem(real.withNginxConf(real.nginxConf().replace("keepalive_timeout 50s;", "keepalive_timeout 75s;")),
                Fleet.NGINX_CONF + ": upstream mpool.keepalive_timeout must be set below the server's --idle-timeout (60 s)");
        assertProblem(real.withNginxConf(real.nginxConf().replace("proxy_set_header Connection \"\";", "")),
                Fleet.NGINX_CONF + ": location: missing 'proxy_set_header Connection \"\";'");
        assertProblem(real.withNginxConf(real.nginxConf().replace("server mpool:8080", "server mpool:9090")),
                Fleet.NGINX_CONF + ": upstream mpool: no 'server mpool:8080'");
        assertComposeProblem(c -> c.withObjectProperty("services").withObjectProperty("nginx").put("image", "nginx:latest"),
                "services.nginx.image=nginx:latest (expected: stock nginx pinned");
    }

    @Test
    void prometheusMustScrapeEveryReplicasMetricsWithTheToken() {
        ObjectNode wrongPath = real.prometheus().deepCopy();
        ((ObjectNode) wrongPath.get("scrape_configs").get(0)).put("metrics_path", "/admin/metrics");
        assertProblem(real.withPrometheus(wrongPath),
                Fleet.PROMETHEUS + ": scrape_configs[0].metrics_path=/admin/metrics (expected: /metrics)");
        ObjectNode wrongPort = real.prometheus().deepCopy();
        ((ObjectNode) wrongPort.get("scrape_configs").get(0).get("dns_sd_configs").get(0)).put("port", 8080);
        assertProblem(real.withPrometheus(wrongPort), Fleet.PROMETHEUS + ": scrape_configs[0]: targets [mpool:8080]");
        ObjectNode noToken = real.prometheus().deepCopy();
        ((ObjectNode) noToken.get("scrape_configs").get(0)).remove("authorization");
        assertProblem(real.withPrometheus(noToken), Fleet.PROMETHEUS + ": scrape_configs[0].authorization.credentials_file=null");
    }

    @Test
    void theReadmeMustTellDockerToWaitAndMatchTheBudget() {
        assertProblem(real.withReadme(real.readme().replace("--stop-timeout 20", "--stop-timeout 10")),
                "README.md: docker run --stop-timeout 10 (expected: at least the image's MPOOL_SHUTDOWN_GRACE + the server's"
                        + " close-out bound = 15 s)");
        assertProblem(real.withReadme(real.readme().replace("| `1Gi` | 256 MiB |", "| `1Gi` | 300 MiB |")),
                "README.md: memory table row `1Gi` says heap, direct, arena, JVM native = [300, 608, 576, 160] MiB but the"
                        + " entrypoint derives [256, 608, 576, 160]");
    }

    private void assertDeploymentProblem(Consumer<ObjectNode> breakIt, String expected) {
        ObjectNode copy = real.copyOf(DEPLOYMENT);
        breakIt.accept(copy);
        assertProblem(real.withKubernetes(DEPLOYMENT, copy), DEPLOYMENT + ": " + expected);
    }

    private void assertComposeProblem(Consumer<ObjectNode> breakIt, String expected) {
        ObjectNode copy = real.compose().deepCopy();
        breakIt.accept(copy);
        assertProblem(real.withCompose(copy), Fleet.COMPOSE + ": " + expected);
    }

    private static void assertProblem(Fleet fleet, String expected) {
        List<String> problems = FleetLint.check(fleet);
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(expected)),
                "expected a problem starting '" + expected + "', got " + problems);
    }

    private static ObjectNode pod(ObjectNode deployment) {
        return deployment.withObjectProperty("spec").withObjectProperty("template").withObjectProperty("spec");
    }

    private static ObjectNode container(ObjectNode deployment) {
        return (ObjectNode) pod(deployment).get("containers").get(0);
    }

    private static ObjectNode limits(ObjectNode deployment) {
        return container(deployment).withObjectProperty("resources").withObjectProperty("limits");
    }

    private static ArrayNode env(ObjectNode deployment) {
        return (ArrayNode) container(deployment).get("env");
    }

    private static ObjectNode mpool(ObjectNode compose) {
        return compose.withObjectProperty("services").withObjectProperty("mpool");
    }
}
