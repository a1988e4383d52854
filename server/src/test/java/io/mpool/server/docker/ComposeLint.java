package io.mpool.server.docker;

import static io.mpool.server.docker.FleetLint.text;

import com.fasterxml.jackson.databind.JsonNode;
import io.mpool.server.MpoolServer;
import io.mpool.server.config.RequestLimits;
import io.mpool.server.config.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;


/** The compose file's rules, with its nginx and Prometheus files (see {@link FleetLint}). */
final class ComposeLint {
    static final String SERVICE = "mpool";
    static final int REPLICAS = 3;
    /** compose's default wait between SIGTERM and SIGKILL. */
    private static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);
    private static final Pattern UPSTREAM = Pattern.compile("upstream\\s+(\\S+)\\s*\\{([^}]*)\\}");
    private static final Pattern KEEPALIVE = Pattern.compile("(?m)^\\s*keepalive\\s+(\\d+)\\s*;");
    private static final Pattern KEEPALIVE_TIMEOUT = Pattern.compile("(?m)^\\s*keepalive_timeout\\s+(\\d+)s\\s*;");

    private ComposeLint() {
    }

    static List<String> check(Fleet fleet, FleetLint.Image image) {
        List<String> problems = new ArrayList<>();
        String f = Fleet.COMPOSE;
        JsonNode services = fleet.compose().path("services");
        JsonNode mpool = services.path(SERVICE);
        String s = "services." + SERVICE;
        if (mpool.isMissingNode()) {
            problems.add(f + ": services: no service " + SERVICE);
            return problems;
        }
        if (!image.reference().equals(text(mpool.path("image")))) {
            problems.add(f + ": " + s + ".image=" + text(mpool.path("image")) + " (expected: " + image.reference()
                    + ", the Dockerfile's OCI title:version)");
        }
        String context = text(mpool.path("build").path("context"));
        if (context == null || !Path.of(f).getParent().resolve(context).normalize().toString().isEmpty()) {
            problems.add(f + ": " + s + ".build.context=" + context + " (expected: .., the folder with the Dockerfile)");
        }
        int replicas = mpool.path("deploy").path("replicas").asInt(1);
        if (replicas < REPLICAS) {
            problems.add(f + ": " + s + ".deploy.replicas=" + replicas + " (expected: at least " + REPLICAS + ")");
        }
        if (mpool.has("ports")) {
            problems.add(f + ": " + s + ".ports: replicas cannot share a host port; nginx publishes the main port and the"
                    + " admin port stays in the compose network");
        }
        String user = text(mpool.path("user"));
        if (user != null && !user.matches("[1-9][0-9]*(:[0-9]+)?")) {
            problems.add(f + ": " + s + ".user=" + user + " (expected: the image's non-root USER, or leave it out)");
        }
        Map<String, String> env = environment(mpool.path("environment"));
        String limit = text(mpool.path("deploy").path("resources").path("limits").path("memory"));
        if (limit == null) {
            problems.add(f + ": " + s + ".deploy.resources.limits.memory is missing (the entrypoint derives heap,"
                    + " direct memory and the arena from it)");
        } else {
            String budget = FleetLint.budgetProblem(f + ": " + s + ".deploy.resources.limits.memory", limit,
                    env.get("MPOOL_ARENA_MAX"), image);
            if (budget != null) {
                problems.add(budget);
            }
        }
        Duration grace = FleetLint.grace(env.get("MPOOL_SHUTDOWN_GRACE"), image);
        String stopText = text(mpool.path("stop_grace_period"));
        Duration stop = stopText == null ? DEFAULT_STOP_GRACE : Quantities.composeDuration(stopText);
        Duration needs = FleetLint.stopNeeds(Duration.ZERO, grace == null ? Duration.ZERO : grace);
        if (stop == null || stop.compareTo(needs) < 0) {
            problems.add(f + ": " + s + ".stop_grace_period=" + stopText + " (expected: at least MPOOL_SHUTDOWN_GRACE + the"
                    + " server's close-out " + MpoolServer.STOP_AFTER_GRACE_BOUND.toSeconds() + " s = " + needs.toSeconds() + " s)");
        }
        if (env.containsKey("MPOOL_ADMIN_TOKEN")) {
            problems.add(f + ": " + s + ".environment.MPOOL_ADMIN_TOKEN puts the token in the compose file;"
                    + " use MPOOL_ADMIN_TOKEN_FILE on a shared volume");
        }
        String tokenFile = env.get("MPOOL_ADMIN_TOKEN_FILE");
        if (tokenFile == null) {
            problems.add(f + ": " + s + ".environment.MPOOL_ADMIN_TOKEN_FILE is missing: Prometheus needs the token the"
                    + " replicas use");
        } else if (!mounts(mpool, tokenFile)) {
            problems.add(f + ": " + s + ".volumes: nothing mounted where MPOOL_ADMIN_TOKEN_FILE=" + tokenFile + " lives");
        }
        checkNginx(fleet, services.path("nginx"), problems);
        checkPrometheus(fleet, services.path("prometheus"), tokenFile, problems);
        return problems;
    }

    static List<FleetLint.Probe> scrapes(Fleet fleet) {
        List<FleetLint.Probe> scrapes = new ArrayList<>();
        int index = 0;
        for (JsonNode job : fleet.prometheus().path("scrape_configs")) {
            String path = job.path("metrics_path").asText(FleetLint.METRICS);
            scrapes.add(new FleetLint.Probe(Fleet.PROMETHEUS + ": scrape_configs[" + index++ + "].metrics_path", null, path));
        }
        return scrapes;
    }

    private static void checkNginx(Fleet fleet, JsonNode nginx, List<String> problems) {
        String f = Fleet.COMPOSE;
        String image = text(nginx.path("image"));
        if (image == null || !image.matches("nginx:\\d+\\.\\d+\\.\\d+.*")) {
            problems.add(f + ": services.nginx.image=" + image + " (expected: stock nginx pinned to a version, nginx:1.x.y)");
        }
        if (!volumeSources(nginx).contains("./nginx.conf")) {
            problems.add(f + ": services.nginx.volumes: does not mount ./nginx.conf (" + Fleet.NGINX_CONF + ")");
        }
        String conf = fleet.nginxConf();
        String n = Fleet.NGINX_CONF;
        Matcher upstream = UPSTREAM.matcher(conf);
        if (!upstream.find()) {
            problems.add(n + ": no upstream block");
            return;
        }
        String name = upstream.group(1);
        String block = upstream.group(2);
        String server = SERVICE + ":" + ServerConfig.DEFAULT_PORT;
        if (!block.matches("(?s).*\\bserver\\s+" + Pattern.quote(server) + "\\b.*")) {
            problems.add(n + ": upstream " + name + ": no 'server " + server + "' (the replicas' service and main port)");
        }
        Matcher keepalive = KEEPALIVE.matcher(block);
        if (!keepalive.find() || Integer.parseInt(keepalive.group(1)) < 1) {
            problems.add(n + ": upstream " + name + ".keepalive is missing: every request would open a connection");
        }
        Matcher timeout = KEEPALIVE_TIMEOUT.matcher(block);
        long idle = RequestLimits.DEFAULTS.idleTimeout().toSeconds();
        if (!timeout.find() || Long.parseLong(timeout.group(1)) >= idle) {
            problems.add(n + ": upstream " + name + ".keepalive_timeout must be set below the server's --idle-timeout ("
                    + idle + " s), so nginx never sends on a connection the server is closing");
        }
        for (String directive : List.of("proxy_pass http://" + name + ";", "proxy_http_version 1.1;",
                "proxy_set_header Connection \"\";")) {
            if (!conf.contains(directive)) {
                problems.add(n + ": location: missing '" + directive + "' (needed for keep-alive to the upstream)");
            }
        }
    }

    private static void checkPrometheus(Fleet fleet, JsonNode prometheus, String tokenFile, List<String> problems) {
        String f = Fleet.COMPOSE;
        if (!volumeSources(prometheus).contains("./prometheus.yml")) {
            problems.add(f + ": services.prometheus.volumes: does not mount ./prometheus.yml (" + Fleet.PROMETHEUS + ")");
        }
        String p = Fleet.PROMETHEUS;
        JsonNode jobs = fleet.prometheus().path("scrape_configs");
        if (jobs.size() == 0) {
            problems.add(p + ": scrape_configs: none");
            return;
        }
        int index = 0;
        for (JsonNode job : jobs) {
            String j = "scrape_configs[" + index++ + "]";
            String path = job.path("metrics_path").asText(FleetLint.METRICS);
            if (!path.equals(FleetLint.METRICS)) {
                problems.add(p + ": " + j + ".metrics_path=" + path + " (expected: " + FleetLint.METRICS + ")");
            }
            List<String> names = new ArrayList<>();
            job.path("dns_sd_configs").forEach(d -> d.path("names").forEach(name -> names.add(name.asText() + ":"
                    + d.path("port").asText())));
            job.path("static_configs").forEach(c -> c.path("targets").forEach(t -> names.add(t.asText())));
            String target = SERVICE + ":" + ServerConfig.DEFAULT_ADMIN_PORT;
            if (!names.contains(target)) {
                problems.add(p + ": " + j + ": targets " + names + " (expected: " + target
                        + " through dns_sd_configs, one target per replica on the admin port)");
            }
            String credentials = text(job.path("authorization").path("credentials_file"));
            if (tokenFile != null && !tokenFile.equals(credentials)) {
                problems.add(p + ": " + j + ".authorization.credentials_file=" + credentials + " (expected: " + tokenFile
                        + ", the replicas' MPOOL_ADMIN_TOKEN_FILE)");
            } else if (tokenFile != null && !mounts(prometheus, tokenFile)) {
                problems.add(f + ": services.prometheus.volumes: nothing mounted where " + tokenFile + " lives");
            }
        }
    }

    /** compose environment as a map, from either its map or its list form. */
    private static Map<String, String> environment(JsonNode node) {
        Map<String, String> env = new LinkedHashMap<>();
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        } else {
            node.forEach(e -> {
                String[] pair = e.asText().split("=", 2);
                env.put(pair[0], pair.length > 1 ? pair[1] : "");
            });
        }
        return env;
    }

    private static List<String> volumeSources(JsonNode service) {
        List<String> sources = new ArrayList<>();
        service.path("volumes").forEach(v -> sources.add(v.isObject() ? v.path("source").asText() : v.asText().split(":")[0]));
        return sources;
    }

    /** Some volume of the service is mounted on a folder holding {@code file}. */
    private static boolean mounts(JsonNode service, String file) {
        for (JsonNode volume : service.path("volumes")) {
            String target = volume.isObject() ? volume.path("target").asText() : volume.asText().split(":")[1];
            if (file.startsWith(target.endsWith("/") ? target : target + "/")) {
                return true;
            }
        }
        return false;
    }
}
