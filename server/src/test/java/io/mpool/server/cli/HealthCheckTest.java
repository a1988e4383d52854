package io.mpool.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.ServerFixture;
import io.mpool.server.TestServers;
import io.mpool.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code --health-check} against a server bound to neither 127.0.0.1 nor a wildcard: it probes
 * the addresses the flags name ({@code --host}, {@code --admin-host}), sends the admin token, and
 * exits 1 with the reason when the server is not ready (draining) or not there.
 */
class HealthCheckTest {
    private static final String HOST = "127.0.0.2";
    private static final String ADMIN_HOST = "127.0.0.3";
    private static final String TOKEN = "health-check-token";

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(ignored -> TestServers.config(parse("--host", HOST, "--port", "0",
            "--admin-host", ADMIN_HOST, "--admin-port", "0", "--admin-token", TOKEN).builder()));

    @Test
    void probesTheBoundAddressesWithTheTokenAndExitsZero() {
        Probe probe = probe(HOST, fixture.port(), ADMIN_HOST, fixture.server().adminPort(), TOKEN);
        assertEquals(0, probe.exit(), probe.err());
        assertEquals("mpool healthy: http://" + HOST + ":" + fixture.port() + "/hello 200, http://" + ADMIN_HOST + ":"
                + fixture.server().adminPort() + "/admin/health/ready UP", probe.out().strip());
        assertEquals(0, Main.commandLine().execute("--health-check", "--host", HOST, "--port",
                String.valueOf(fixture.port()), "--admin-host", ADMIN_HOST, "--admin-port",
                String.valueOf(fixture.server().adminPort()), "--admin-token", TOKEN), "through the flags");
    }

    @Test
    void withoutTheTokenOnlyHelloDecidesAndTheLineSaysSo() {
        Probe probe = probe(HOST, fixture.port(), ADMIN_HOST, fixture.server().adminPort(), null);
        assertEquals(0, probe.exit(), probe.err());
        assertTrue(probe.out().contains("/admin/health/ready not checked (it needs the admin token"), probe.out());
    }

    @Test
    void aWrongTokenOrAWrongAddressExitsOneWithTheReason() {
        Probe wrongToken = probe(HOST, fixture.port(), ADMIN_HOST, fixture.server().adminPort(), "wrong");
        assertEquals(1, wrongToken.exit());
        assertTrue(wrongToken.err().startsWith("mpool unhealthy: http://" + ADMIN_HOST + ":"
                + fixture.server().adminPort() + "/admin/health/ready answered 401 "), wrongToken.err());
        // Where the old check looked: loopback's 127.0.0.1, on which nothing listens here.
        Probe loopback = probe("127.0.0.1", fixture.port(), ADMIN_HOST, fixture.server().adminPort(), TOKEN);
        assertEquals(1, loopback.exit());
        assertTrue(loopback.err().startsWith("mpool unhealthy: http://127.0.0.1:" + fixture.port() + "/hello: "),
                loopback.err());
        assertTrue(loopback.err().contains("Connection refused"), loopback.err());
    }

    @Test
    void aDrainingServerIsUnhealthyWithTheServersReason() throws Exception {
        try (Socket inFlight = new Socket()) {
            inFlight.connect(new InetSocketAddress(HOST, fixture.port()), 5_000);
            inFlight.setSoTimeout(10_000);
            OutputStream upload = inFlight.getOutputStream();
            upload.write("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nab".getBytes(StandardCharsets.US_ASCII));
            upload.flush();
            Await.until("the upload to be in flight", ServerFixture.SETTLE,
                    () -> TestServers.stats(fixture.server()).inFlight(), requests -> requests > 0);
            int adminPort = fixture.server().adminPort();
            CompletableFuture<String> stopped = CompletableFuture.supplyAsync(
                    () -> fixture.server().stop(Duration.ofSeconds(20)));
            Await.until("the server to drain", ServerFixture.SETTLE,
                    () -> TestServers.stats(fixture.server()).draining(), draining -> draining);
            Probe probe = probe(HOST, fixture.port(), ADMIN_HOST, adminPort, TOKEN);
            assertEquals(1, probe.exit(), probe.out());
            assertTrue(probe.err().startsWith("mpool unhealthy: http://" + ADMIN_HOST + ":" + adminPort
                    + "/admin/health/ready answered 503 {\"status\":\"DOWN\",\"reason\":\"draining: graceful stop began "),
                    probe.err());
            upload.write("cd".getBytes(StandardCharsets.US_ASCII));
            upload.flush();
            String answer = new String(inFlight.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
            assertTrue(stopped.get().contains(" pagesOutstanding=0 "), stopped.get());
        }
    }

    @Test
    void aWildcardHostIsProbedOnLoopbackOfItsFamily() throws Exception {
        assertEquals(InetAddress.getByName("127.0.0.1"), HealthCheck.probeAddress("0.0.0.0"));
        assertEquals(InetAddress.getByName("::1"), HealthCheck.probeAddress("::"));
        assertEquals(InetAddress.getByName(HOST), HealthCheck.probeAddress(HOST));
    }

    private record Probe(int exit, String out, String err) {
    }

    private static Probe probe(String host, int port, String adminHost, int adminPort, String token) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = HealthCheck.run(host, port, adminHost, adminPort, token,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Probe(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Main parse(String... args) {
        Main main = new Main();
        Main.commandLine(main).parseArgs(args);
        return main;
    }
}
