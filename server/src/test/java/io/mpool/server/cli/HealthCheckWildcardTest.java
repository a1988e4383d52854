package io.mpool.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mpool.server.ServerFixture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code --health-check} with a wildcard {@code --host} prints the loopback address it probed, not 0.0.0.0. */
class HealthCheckWildcardTest {
    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Test
    void aWildcardHostPrintsTheLoopbackAddressItProbed() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = HealthCheck.run("0.0.0.0", fixture.port(), "0.0.0.0", fixture.server().adminPort(), null,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
        assertEquals("mpool healthy: http://127.0.0.1:" + fixture.port() + "/hello 200, http://127.0.0.1:"
                + fixture.server().adminPort() + "/admin/health/ready UP", out.toString(StandardCharsets.UTF_8).strip());
        assertEquals("::1", HealthCheck.probedHost("::"));
        assertEquals("127.0.0.2", HealthCheck.probedHost("127.0.0.2"));
    }
}
