package io.mpool.server.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.mpool.server.MpoolServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a reviewer checks in the fleet files (deploy/kubernetes/, deploy/compose.yaml with its
 * nginx and Prometheus files, README's "Running a fleet"), as code, without a cluster or a Docker
 * engine. Each problem starts with the file and the field, e.g.
 * {@code deploy/kubernetes/deployment.yaml: spec.replicas=1 (expected: at least 2)}.
 */
final class FleetLint {
    /** The admin endpoints the probes and Prometheus use (issue 12's health and metrics). */
    static final String LIVE = "/admin/health/live";
    static final String READY = "/admin/health/ready";
    static final String METRICS = "/metrics";
    /** Where the README's memory table sits and the limits it must list. */
    static final List<String> TABLE_LIMITS = List.of("512Mi", "1Gi", "2Gi");
    private static final Pattern STOP_TIMEOUT = Pattern.compile("--stop-timeout[ =](\\d+)");
    private static final Pattern TABLE_ROW = Pattern.compile("^\\| `(\\d+[MG]i)` \\|(.*)$", Pattern.MULTILINE);

    private FleetLint() {
    }

    /** What the image fixes and every deployment of it must agree with. */
    record Image(String reference, long uid, String probe, Duration grace, Path root) {
        static Image of(DockerfileLint.Project project) {
            Dockerfile.Stage runtime = Dockerfile.parse(project.dockerfile()).finalStage();
            Map<String, String> labels = runtime.labels();
            String reference = labels.get(DockerfileLint.OCI + "title") + ":" + labels.get(DockerfileLint.OCI + "version");
            Dockerfile.Instruction user = runtime.last("USER");
            String uidText = user == null ? "0" : user.arguments().strip().split(":")[0];
            long uid = uidText.matches("\\d+") ? Long.parseLong(uidText) : 0;
            Dockerfile.Instruction health = runtime.last("HEALTHCHECK");
            List<String> command = health == null ? null : Dockerfile.execForm(health.arguments().replaceFirst("^.*?CMD\\s+", ""));
            Duration grace = Quantities.duration(runtime.env().get("MPOOL_SHUTDOWN_GRACE"));
            return new Image(reference, uid, command == null || command.isEmpty() ? null : command.get(0), grace, project.root());
        }
    }

    /** A probe a deployment file sends: where it is written, and the admin or main path it GETs. */
    record Probe(String where, List<String> command, String path) {
    }

    static List<String> check(Fleet fleet) {
        Image image = Image.of(fleet.project());
        List<String> problems = new ArrayList<>(KubernetesLint.check(fleet, image));
        problems.addAll(ComposeLint.check(fleet, image));
        checkReadme(fleet, image, problems);
        return problems;
    }

    /** Every probe and scrape path the fleet files use, for the test that GETs them from a server. */
    static List<Probe> probes(Fleet fleet) {
        List<Probe> probes = new ArrayList<>(KubernetesLint.probes(fleet));
        probes.addAll(ComposeLint.scrapes(fleet));
        return probes;
    }

    /** The grace a container gets: its own MPOOL_SHUTDOWN_GRACE, else the image's. */
    static Duration grace(String containerValue, Image image) {
        return containerValue == null ? image.grace() : Quantities.duration(containerValue);
    }

    /** The least stop timeout: the grace, the preStop pause, then the server's bounded close-out. */
    static Duration stopNeeds(Duration preStop, Duration grace) {
        return preStop.plus(grace).plus(MpoolServer.STOP_AFTER_GRACE_BOUND);
    }

    /** Null if the entrypoint's budget for this limit fits in it, else the problem naming file and field. */
    static String budgetProblem(String where, String limit, String arenaMax, Image image) {
        try {
            MemoryBudget budget = MemoryBudget.of(image.root(), limit, arenaMax);
            if (budget.total() > budget.limit() || budget.arena() <= 0 || budget.direct() <= budget.arena()) {
                return where + "=" + limit + ": heap " + budget.heap() + " + direct " + budget.direct() + " (arena "
                        + budget.arena() + ") + JVM native " + budget.jvmNative() + " MiB does not fit " + budget.limit() + " MiB";
            }
            return null;
        } catch (IllegalArgumentException e) {
            return where + "=" + limit + ": " + e.getMessage();
        }
    }

    static String text(JsonNode node) {
        return node == null || node.isMissingNode() || node.isNull() ? null : node.asText();
    }

    private static void checkReadme(Fleet fleet, Image image, List<String> problems) {
        Matcher stop = STOP_TIMEOUT.matcher(fleet.readme());
        Duration needs = stopNeeds(Duration.ZERO, image.grace() == null ? Duration.ZERO : image.grace());
        boolean found = stop.find();
        if (!found || Duration.ofSeconds(Long.parseLong(stop.group(1))).compareTo(needs) < 0) {
            problems.add("README.md: docker run --stop-timeout " + (found ? stop.group(1) : "missing")
                    + " (expected: at least the image's MPOOL_SHUTDOWN_GRACE + the server's close-out bound = "
                    + needs.toSeconds() + " s)");
        }
        Map<String, String> rows = new LinkedHashMap<>();
        Matcher row = TABLE_ROW.matcher(fleet.readme());
        while (row.find()) {
            rows.put(row.group(1), row.group(2));
        }
        for (String limit : TABLE_LIMITS) {
            String cells = rows.get(limit);
            if (cells == null) {
                problems.add("README.md: memory table has no row for `" + limit + "`");
                continue;
            }
            MemoryBudget budget = MemoryBudget.of(image.root(), limit, null);
            List<Long> numbers = Pattern.compile("\\d+").matcher(cells).results().map(m -> Long.parseLong(m.group())).toList();
            List<Long> expected = List.of(budget.heap(), budget.direct(), budget.arena(), budget.jvmNative());
            if (!numbers.equals(expected)) {
                problems.add("README.md: memory table row `" + limit + "` says heap, direct, arena, JVM native = " + numbers
                        + " MiB but the entrypoint derives " + expected);
            }
        }
    }
}
