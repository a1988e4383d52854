package io.mpool.server.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The files that run mpool as a fleet, parsed: the Dockerfile project, the Kubernetes manifests
 * the kustomization lists, the compose file with its nginx and Prometheus configuration, and the
 * README. Copies with one file changed ({@code with...}) are what the lint tests break.
 */
record Fleet(DockerfileLint.Project project, Map<String, ObjectNode> kubernetes, ObjectNode compose, String nginxConf,
             ObjectNode prometheus, String readme) {
    static final String KUSTOMIZATION = "deploy/kubernetes/kustomization.yaml";
    static final String COMPOSE = "deploy/compose.yaml";
    static final String NGINX_CONF = "deploy/nginx.conf";
    static final String PROMETHEUS = "deploy/prometheus.yml";
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static Fleet load(Path root) {
        Map<String, ObjectNode> kubernetes = new LinkedHashMap<>();
        JsonNode kustomization = yaml(root, KUSTOMIZATION);
        Path folder = Path.of(KUSTOMIZATION).getParent();
        for (JsonNode resource : kustomization.path("resources")) {
            String file = folder.resolve(resource.asText()).toString();
            kubernetes.put(file, yaml(root, file));
        }
        return new Fleet(ProjectFiles.load(root), kubernetes, yaml(root, COMPOSE), ProjectFiles.read(root.resolve(NGINX_CONF)),
                yaml(root, PROMETHEUS), ProjectFiles.read(root.resolve("README.md")));
    }

    private static ObjectNode yaml(Path root, String file) {
        try {
            JsonNode node = YAML.readTree(root.resolve(file).toFile());
            if (!(node instanceof ObjectNode object)) {
                throw new IllegalStateException(file + ": expected a YAML mapping, got " + node);
            }
            return object;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    Path root() {
        return project.root();
    }

    /** The file holding the manifest of this kind, or null. */
    String fileOfKind(String kind) {
        return kubernetes.entrySet().stream().filter(e -> kind.equals(e.getValue().path("kind").asText()))
                .map(Map.Entry::getKey).findFirst().orElse(null);
    }

    /** A deep copy of the manifest in {@code file}, to break in a test and pass to {@link #withKubernetes}. */
    ObjectNode copyOf(String file) {
        return kubernetes.get(file).deepCopy();
    }

    Fleet withKubernetes(String file, ObjectNode manifest) {
        Map<String, ObjectNode> changed = new LinkedHashMap<>(kubernetes);
        changed.put(file, manifest);
        return new Fleet(project, changed, compose, nginxConf, prometheus, readme);
    }

    Fleet withoutKubernetes(String file) {
        Map<String, ObjectNode> changed = new LinkedHashMap<>(kubernetes);
        changed.remove(file);
        return new Fleet(project, changed, compose, nginxConf, prometheus, readme);
    }

    Fleet withCompose(ObjectNode changed) {
        return new Fleet(project, kubernetes, changed, nginxConf, prometheus, readme);
    }

    Fleet withNginxConf(String changed) {
        return new Fleet(project, kubernetes, compose, changed, prometheus, readme);
    }

    Fleet withPrometheus(ObjectNode changed) {
        return new Fleet(project, kubernetes, compose, nginxConf, changed, readme);
    }

    Fleet withReadme(String changed) {
        return new Fleet(project, kubernetes, compose, nginxConf, prometheus, changed);
    }

    Fleet withDockerfile(String changed) {
        return new Fleet(project.withDockerfile(changed), kubernetes, compose, nginxConf, prometheus, readme);
    }
}
