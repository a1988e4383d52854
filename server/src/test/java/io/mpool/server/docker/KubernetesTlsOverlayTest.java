package io.mpool.server.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The HTTPS overlay (deploy/kubernetes-tls) read without a cluster: it builds on the base
 * manifests, mounts the kubernetes.io/tls Secret as a whole directory (a subPath mount never sees
 * kubelet's symlink swap, so a rotated certificate would never arrive), points the server's
 * certificate and key at the Secret's tls.crt and tls.key in that directory, and opens the HTTPS
 * port in the Service and the NetworkPolicy.
 */
class KubernetesTlsOverlayTest {
    private static final String OVERLAY = "deploy/kubernetes-tls/";

    @Test
    void theSecretIsMountedAsADirectoryAndTheServerReadsItsFiles() throws IOException {
        Path root = ProjectFiles.root();
        JsonNode kustomization = Fleet.YAML.readTree(root.resolve(OVERLAY + "kustomization.yaml").toFile());
        assertEquals("../kubernetes", kustomization.path("resources").path(0).asText(), kustomization.toString());
        JsonNode policyPatch = null;
        for (JsonNode patch : kustomization.path("patches")) {
            if (patch.path("target").path("kind").asText().equals("NetworkPolicy")) {
                policyPatch = Fleet.YAML.readTree(patch.path("patch").asText());
            }
        }
        assertNotNull(policyPatch, "a patch of the NetworkPolicy: " + kustomization);
        assertEquals("https", policyPatch.path(0).path("value").path("ports").path(0).path("port").asText(),
                "the NetworkPolicy opens https: " + policyPatch);

        JsonNode pod = Fleet.YAML.readTree(root.resolve(OVERLAY + "deployment-tls.yaml").toFile())
                .path("spec").path("template").path("spec");
        JsonNode volume = pod.path("volumes").path(0);
        assertEquals("mpool-tls", volume.path("secret").path("secretName").asText(), pod.toString());
        JsonNode container = pod.path("containers").path(0);
        JsonNode mount = null;
        for (JsonNode candidate : container.path("volumeMounts")) {
            if (candidate.path("name").asText().equals(volume.path("name").asText())) {
                mount = candidate;
            }
        }
        assertNotNull(mount, "the Secret volume is mounted: " + container);
        assertFalse(mount.has("subPath"), "a subPath mount never gets the rotated Secret: " + mount);
        assertTrue(mount.path("readOnly").asBoolean(), mount.toString());
        Map<String, String> env = new HashMap<>();
        container.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        String dir = mount.path("mountPath").asText();
        assertEquals(dir + "/tls.crt", env.get("MPOOL_TLS_CERT"), env.toString());
        assertEquals(dir + "/tls.key", env.get("MPOOL_TLS_KEY"), env.toString());
        String tlsPort = env.get("MPOOL_TLS_PORT");
        assertTrue(container.path("ports").toString().contains("\"containerPort\":" + tlsPort), container.toString());
        // The key is readable by the server's group (fsGroup = the image's user) and nobody else.
        assertEquals(10001, pod.path("securityContext").path("fsGroup").asInt(), pod.toString());
        assertEquals(0440, volume.path("secret").path("defaultMode").asInt(), volume.toString());

        JsonNode service = Fleet.YAML.readTree(root.resolve(OVERLAY + "service-tls.yaml").toFile());
        assertEquals("https", service.path("spec").path("ports").path(0).path("targetPort").asText(), service.toString());
    }
}
