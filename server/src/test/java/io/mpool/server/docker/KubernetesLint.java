package io.mpool.server.docker;

import static io.mpool.server.docker.FleetLint.text;

import com.fasterxml.jackson.databind.JsonNode;
import io.mpool.server.MpoolServer;
import io.mpool.server.config.ServerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;


/** The Kubernetes manifests' rules (see {@link FleetLint}); every problem names file and field. */
final class KubernetesLint {
    static final String CONTAINER = "mpool";
    /** Kubernetes' default when a pod spec leaves terminationGracePeriodSeconds out. */
    private static final long DEFAULT_TERMINATION_GRACE_SECONDS = 30;
    private static final Pattern FIXED_MEMORY_FLAG = Pattern.compile(".*(-Xmx|-XX:MaxDirectMemorySize|-XX:MaxRAMPercentage).*");

    private KubernetesLint() {
    }

    static List<String> check(Fleet fleet, FleetLint.Image image) {
        List<String> problems = new ArrayList<>();
        String file = fleet.fileOfKind("Deployment");
        if (file == null) {
            problems.add(Fleet.KUSTOMIZATION + ": resources: no Deployment");
            return problems;
        }
        JsonNode deployment = fleet.kubernetes().get(file);
        JsonNode pod = deployment.path("spec").path("template");
        JsonNode container = container(pod);
        String c = "spec.template.spec.containers[" + CONTAINER + "]";
        if (container == null) {
            problems.add(file + ": spec.template.spec.containers: no container named " + CONTAINER);
            return problems;
        }
        int replicas = deployment.path("spec").path("replicas").asInt(1);
        if (replicas < 2) {
            problems.add(file + ": spec.replicas=" + replicas + " (expected: at least 2, so one replica can stop at a time)");
        }
        if (!image.reference().equals(text(container.path("image")))) {
            problems.add(file + ": " + c + ".image=" + text(container.path("image")) + " (expected: " + image.reference()
                    + ", the Dockerfile's OCI title:version)");
        }
        checkNonRoot(file, pod.path("spec"), container, c, image, problems);
        checkMemory(file, container, c, image, problems);
        checkAdmin(file, container, c, problems);
        checkProbes(file, container, c, image, problems);
        checkGrace(file, pod.path("spec"), container, c, image, problems);
        checkPorts(file, container, c, problems);
        checkService(fleet, pod, problems);
        checkDisruptionBudget(fleet, pod, replicas, problems);
        return problems;
    }

    static List<FleetLint.Probe> probes(Fleet fleet) {
        List<FleetLint.Probe> probes = new ArrayList<>();
        String file = fleet.fileOfKind("Deployment");
        JsonNode container = file == null ? null : container(fleet.kubernetes().get(file).path("spec").path("template"));
        if (container == null) {
            return probes;
        }
        for (String kind : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            List<String> command = strings(container.path(kind).path("exec").path("command"));
            if (command.size() == 2) {
                probes.add(new FleetLint.Probe(file + ": spec.template.spec.containers[" + CONTAINER + "]." + kind
                        + ".exec.command", command, command.get(1)));
            }
        }
        return probes;
    }

    private static JsonNode container(JsonNode pod) {
        for (JsonNode container : pod.path("spec").path("containers")) {
            if (CONTAINER.equals(text(container.path("name")))) {
                return container;
            }
        }
        return null;
    }

    private static void checkNonRoot(String file, JsonNode podSpec, JsonNode container, String c, FleetLint.Image image,
                                     List<String> problems) {
        JsonNode podContext = podSpec.path("securityContext");
        JsonNode context = container.path("securityContext");
        boolean nonRoot = context.path("runAsNonRoot").asBoolean(podContext.path("runAsNonRoot").asBoolean(false));
        if (!nonRoot) {
            problems.add(file + ": spec.template.spec.securityContext.runAsNonRoot must be true");
        }
        long uid = context.path("runAsUser").asLong(podContext.path("runAsUser").asLong(image.uid()));
        if (uid == 0 || uid != image.uid()) {
            problems.add(file + ": spec.template.spec.securityContext.runAsUser=" + uid + " (expected: the image's USER "
                    + image.uid() + ")");
        }
        if (!context.path("readOnlyRootFilesystem").asBoolean(false)) {
            problems.add(file + ": " + c + ".securityContext.readOnlyRootFilesystem must be true");
        }
        if (context.path("allowPrivilegeEscalation").asBoolean(true)) {
            problems.add(file + ": " + c + ".securityContext.allowPrivilegeEscalation must be false");
        }
        String tmpVolume = null;
        for (JsonNode mount : container.path("volumeMounts")) {
            if ("/tmp".equals(text(mount.path("mountPath")))) {
                tmpVolume = text(mount.path("name"));
            }
        }
        boolean emptyDir = false;
        for (JsonNode volume : podSpec.path("volumes")) {
            emptyDir |= volume.path("name").asText().equals(tmpVolume) && volume.has("emptyDir");
        }
        if (!emptyDir) {
            problems.add(file + ": " + c + ".volumeMounts: no emptyDir at /tmp (the JVM writes perf data and its attach"
                    + " socket there; the root filesystem is read-only)");
        }
    }

    private static void checkMemory(String file, JsonNode container, String c, FleetLint.Image image, List<String> problems) {
        String request = text(container.path("resources").path("requests").path("memory"));
        String limit = text(container.path("resources").path("limits").path("memory"));
        if (limit == null || !limit.matches("\\d+[MG]i")) {
            problems.add(file + ": " + c + ".resources.limits.memory=" + limit + " (expected: a size in Mi or Gi)");
            return;
        }
        if (request == null || Quantities.mebibytes(request) != Quantities.mebibytes(limit)) {
            problems.add(file + ": " + c + ".resources.requests.memory=" + request + " (expected: = limits.memory " + limit
                    + ", so the pod is never evicted for using what it was promised)");
        }
        Map<String, JsonNode> env = env(container);
        String budget = FleetLint.budgetProblem(file + ": " + c + ".resources.limits.memory", limit,
                value(env, "MPOOL_ARENA_MAX"), image);
        if (budget != null) {
            problems.add(budget);
        }
        JsonNode memoryLimit = env.get("MPOOL_MEMORY_LIMIT");
        JsonNode field = memoryLimit == null ? null : memoryLimit.path("valueFrom").path("resourceFieldRef");
        if (field == null || !"limits.memory".equals(text(field.path("resource")))) {
            problems.add(file + ": " + c + ".env[MPOOL_MEMORY_LIMIT] must come from resourceFieldRef limits.memory,"
                    + " so the entrypoint's budget follows the limit");
        }
        String javaOpts = value(env, "JAVA_OPTS");
        if (javaOpts != null && FIXED_MEMORY_FLAG.matcher(javaOpts).matches()) {
            problems.add(file + ": " + c + ".env[JAVA_OPTS]=" + javaOpts + " overrides the budget derived from the limit");
        }
    }

    private static void checkAdmin(String file, JsonNode container, String c, List<String> problems) {
        Map<String, JsonNode> env = env(container);
        JsonNode token = env.get("MPOOL_ADMIN_TOKEN");
        if (token == null || !token.path("valueFrom").has("secretKeyRef")) {
            problems.add(file + ": " + c + ".env[MPOOL_ADMIN_TOKEN] must come from a Secret (valueFrom.secretKeyRef)");
        }
        String host = env.containsKey("MPOOL_ADMIN_HOST") ? value(env, "MPOOL_ADMIN_HOST") : "0.0.0.0";
        if (host == null || host.startsWith("127.") || host.equals("localhost") || host.equals("::1")) {
            problems.add(file + ": " + c + ".env[MPOOL_ADMIN_HOST]=" + host
                    + " (expected: 0.0.0.0, so Prometheus can reach the admin port in the pod network)");
        }
    }

    private static void checkProbes(String file, JsonNode container, String c, FleetLint.Image image, List<String> problems) {
        Map<String, String> expected = Map.of("livenessProbe", FleetLint.LIVE, "readinessProbe", FleetLint.READY);
        for (Map.Entry<String, String> probe : expected.entrySet()) {
            JsonNode node = container.path(probe.getKey());
            String where = file + ": " + c + "." + probe.getKey();
            if (node.has("httpGet")) {
                problems.add(where + ".httpGet: an httpGet probe's headers are plain text in the pod spec, so it cannot"
                        + " send the Secret's admin token; use exec: [" + image.probe() + ", " + probe.getValue() + "]");
                continue;
            }
            List<String> command = strings(node.path("exec").path("command"));
            if (!command.equals(List.of(image.probe(), probe.getValue()))) {
                problems.add(where + ".exec.command=" + command + " (expected: [" + image.probe() + ", " + probe.getValue()
                        + "], the image's probe on the admin " + probe.getKey().replace("Probe", "") + " endpoint)");
            }
        }
    }

    private static void checkGrace(String file, JsonNode podSpec, JsonNode container, String c, FleetLint.Image image,
                                   List<String> problems) {
        JsonNode preStop = container.path("lifecycle").path("preStop");
        List<String> sleep = strings(preStop.path("exec").path("command"));
        long pause;
        if (preStop.path("sleep").has("seconds")) {
            pause = preStop.path("sleep").path("seconds").asLong();
        } else if (sleep.size() == 2 && sleep.get(0).equals("sleep") && sleep.get(1).matches("\\d+")) {
            pause = Long.parseLong(sleep.get(1));
        } else {
            problems.add(file + ": " + c + ".lifecycle.preStop must pause (exec [sleep, N] or sleep.seconds) so the"
                    + " endpoint leaves every load balancer before SIGTERM starts the drain");
            pause = 0;
        }
        Map<String, JsonNode> env = env(container);
        String graceText = value(env, "MPOOL_SHUTDOWN_GRACE");
        Duration grace = FleetLint.grace(graceText, image);
        if (grace == null) {
            problems.add(file + ": " + c + ".env[MPOOL_SHUTDOWN_GRACE]=" + graceText + " (expected: a duration such as 5s)");
            return;
        }
        Duration needs = FleetLint.stopNeeds(Duration.ofSeconds(pause), grace);
        long given = podSpec.path("terminationGracePeriodSeconds").asLong(DEFAULT_TERMINATION_GRACE_SECONDS);
        if (given <= needs.toSeconds()) {
            problems.add(file + ": spec.template.spec.terminationGracePeriodSeconds=" + given + " (expected: more than"
                    + " preStop " + pause + " s + MPOOL_SHUTDOWN_GRACE " + grace.toSeconds() + " s + the server's close-out "
                    + MpoolServer.STOP_AFTER_GRACE_BOUND.toSeconds() + " s = " + needs.toSeconds() + " s)");
        }
    }

    private static void checkPorts(String file, JsonNode container, String c, List<String> problems) {
        List<Integer> ports = new ArrayList<>();
        container.path("ports").forEach(p -> ports.add(p.path("containerPort").asInt()));
        for (int port : List.of(ServerConfig.DEFAULT_PORT, ServerConfig.DEFAULT_ADMIN_PORT)) {
            if (!ports.contains(port)) {
                problems.add(file + ": " + c + ".ports: no containerPort " + port);
            }
        }
    }

    private static void checkService(Fleet fleet, JsonNode pod, List<String> problems) {
        String file = fleet.fileOfKind("Service");
        if (file == null) {
            problems.add(Fleet.KUSTOMIZATION + ": resources: no Service");
            return;
        }
        JsonNode service = fleet.kubernetes().get(file);
        if (!selects(service.path("spec").path("selector"), pod)) {
            problems.add(file + ": spec.selector=" + service.path("spec").path("selector") + " does not select the Deployment's pods");
        }
        boolean main = false;
        for (JsonNode port : service.path("spec").path("ports")) {
            String target = port.path("targetPort").asText(port.path("port").asText());
            main |= port.path("port").asInt() == ServerConfig.DEFAULT_PORT
                    && (target.equals("http") || target.equals(String.valueOf(ServerConfig.DEFAULT_PORT)));
            if (port.path("port").asInt() == ServerConfig.DEFAULT_ADMIN_PORT || target.equals("admin")) {
                problems.add(file + ": spec.ports: the admin port must stay inside the pod network, not in the Service");
            }
        }
        if (!main) {
            problems.add(file + ": spec.ports: no port " + ServerConfig.DEFAULT_PORT + " to the container's http port");
        }
    }

    private static void checkDisruptionBudget(Fleet fleet, JsonNode pod, int replicas, List<String> problems) {
        String file = fleet.fileOfKind("PodDisruptionBudget");
        if (file == null) {
            problems.add(Fleet.KUSTOMIZATION + ": resources: no PodDisruptionBudget");
            return;
        }
        JsonNode spec = fleet.kubernetes().get(file).path("spec");
        if (!selects(spec.path("selector").path("matchLabels"), pod)) {
            problems.add(file + ": spec.selector.matchLabels does not select the Deployment's pods");
        }
        if (spec.has("minAvailable") && spec.path("minAvailable").asInt(replicas) >= replicas) {
            problems.add(file + ": spec.minAvailable=" + text(spec.path("minAvailable")) + " (expected: below the "
                    + replicas + " replicas, or no node can ever be drained)");
        } else if (spec.has("maxUnavailable") && spec.path("maxUnavailable").asInt(0) < 1) {
            problems.add(file + ": spec.maxUnavailable=" + text(spec.path("maxUnavailable")) + " (expected: at least 1)");
        } else if (!spec.has("minAvailable") && !spec.has("maxUnavailable")) {
            problems.add(file + ": spec: needs minAvailable or maxUnavailable");
        }
    }

    /** Every label the selector names is on the pod template with the same value. */
    private static boolean selects(JsonNode selector, JsonNode pod) {
        JsonNode labels = pod.path("metadata").path("labels");
        if (!selector.isObject() || selector.isEmpty()) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> label = it.next();
            if (!label.getValue().asText().equals(labels.path(label.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, JsonNode> env(JsonNode container) {
        Map<String, JsonNode> env = new LinkedHashMap<>();
        container.path("env").forEach(e -> env.put(e.path("name").asText(), e));
        return env;
    }

    /** A literal env value, or null when the variable is absent or comes from valueFrom. */
    private static String value(Map<String, JsonNode> env, String name) {
        return env.containsKey(name) ? text(env.get(name).path("value")) : null;
    }

    private static List<String> strings(JsonNode array) {
        List<String> strings = new ArrayList<>();
        array.forEach(n -> strings.add(n.asText()));
        return strings;
    }
}
