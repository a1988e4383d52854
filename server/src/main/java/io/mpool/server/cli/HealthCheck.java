package io.mpool.server.cli;

import io.mpool.server.MpoolServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * {@code --health-check}: asks the running server, at the addresses its flags bind it to, whether
 * it is ready ({@code GET /admin/health/ready} on {@code --admin-host:--admin-port}, with the
 * admin token if one is configured) and whether it serves ({@code GET /hello} on
 * {@code --host:--port}). A wildcard host (0.0.0.0, ::) is probed on loopback. Uses nothing but
 * the JDK, so a container image needs no curl.
 *
 * <p>Exit 0 when ready and serving, else 1 with one line on stderr naming the address and the
 * reason (a DOWN readiness quotes the server's reason: draining, arena refusing allocations).
 * Without a token an admin endpoint that requires one (a token generated at start-up) answers
 * 401: then only {@code /hello} decides, and the line says readiness was not checked.
 */
final class HealthCheck {
    private static final int TIMEOUT_MILLIS = 3_000;
    /** Enough for a status line, headers and a health answer; anything longer is cut. */
    private static final int MAX_ANSWER_BYTES = 16 * 1024;

    private HealthCheck() {
    }

    static int run(String host, int port, String adminHost, int adminPort, String token, PrintStream out,
                   PrintStream err) {
        // What was probed, as it was probed: a wildcard --host prints the loopback address it reached.
        String ready = "http://" + hostPort(probedHost(adminHost), adminPort) + MpoolServer.ADMIN_HEALTH_READY_PATH;
        String hello = "http://" + hostPort(probedHost(host), port) + "/hello";
        String readiness;
        try {
            Answer answer = get(adminHost, adminPort, MpoolServer.ADMIN_HEALTH_READY_PATH, token);
            if (answer.status() == 401 && token == null) {
                readiness = ready + " not checked (it needs the admin token: set MPOOL_ADMIN_TOKEN or --admin-token)";
            } else if (answer.status() != 200) {
                err.println("mpool unhealthy: " + ready + " answered " + answer.status() + " " + answer.body());
                return 1;
            } else {
                readiness = ready + " UP";
            }
        } catch (IOException e) {
            err.println("mpool unhealthy: " + ready + ": " + e);
            return 1;
        }
        try {
            Answer answer = get(host, port, "/hello", null);
            if (answer.status() != 200) {
                err.println("mpool unhealthy: " + hello + " answered " + answer.status() + " " + answer.body());
                return 1;
            }
        } catch (IOException e) {
            err.println("mpool unhealthy: " + hello + ": " + e);
            return 1;
        }
        out.println("mpool healthy: " + hello + " 200, " + readiness);
        return 0;
    }

    /** What a probe got back: the status and the body (trimmed). */
    record Answer(int status, String body) {
    }

    private static Answer get(String host, int port, String path, String token) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(probeAddress(host), port), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + hostPort(probedHost(host), port) + "\r\n"
                    + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readNBytes(MAX_ANSWER_BYTES), StandardCharsets.UTF_8);
            if (!answer.startsWith("HTTP/1.1 ") || answer.length() < "HTTP/1.1 200".length()) {
                throw new IOException("not an HTTP answer: " + answer.lines().findFirst().orElse("(nothing)"));
            }
            int status;
            try {
                status = Integer.parseInt(answer.substring("HTTP/1.1 ".length(), "HTTP/1.1 200".length()));
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP status line: " + answer.lines().findFirst().orElse(""), e);
            }
            int bodyStart = answer.indexOf("\r\n\r\n");
            return new Answer(status, bodyStart < 0 ? "" : answer.substring(bodyStart + 4).trim());
        }
    }

    /** Where to connect for a listener bound to {@code host}: loopback for a wildcard address. */
    static InetAddress probeAddress(String host) throws IOException {
        return InetAddress.getByName(probedHost(host));
    }

    /**
     * The host a probe of a listener bound to {@code host} connects to, as printed: the loopback
     * address of the wildcard's family for 0.0.0.0 or ::, else {@code host} as given (a name that does
     * not resolve too: the probe then reports that).
     */
    static String probedHost(String host) {
        try {
            InetAddress address = InetAddress.getByName(host);
            if (address.isAnyLocalAddress()) {
                return address instanceof Inet6Address ? "::1" : "127.0.0.1";
            }
        } catch (UnknownHostException e) {
            // printed as given; connecting to it fails with the reason
        }
        return host;
    }

    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }
}
