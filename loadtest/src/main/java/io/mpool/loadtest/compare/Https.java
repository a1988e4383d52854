package io.mpool.loadtest.compare;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The comparison over HTTPS ({@code Compare --tls}): one self-signed P-256 certificate, made with
 * openssl when the run starts, for every server (mpool's {@code --tls-cert}/{@code --tls-key}, stock
 * Undertow's {@code addHttpsListener} over the same PEM files with the same JDK provider, nginx's
 * {@code listen ... ssl} with {@code ssl_protocols TLSv1.2 TLSv1.3}), and a check, before anything is
 * timed, of what each server agrees on with OpenSSL, the library wrk uses: protocol, cipher suite and
 * whether a session is resumed.
 *
 * <p>wrk resumes sessions: its {@code SSL_CTX} caches client sessions and its close ends with
 * {@code SSL_shutdown} and {@code SSL_clear}, which keeps the session (with TLS 1.3, the server's
 * latest ticket) for the connection's next connect. So on the handshake workload
 * ({@code churn-16}: {@code Connection: close}) every handshake after a connection's first is a
 * resumption: a PSK with an ECDHE exchange, no certificate signature. Every server offers it with its
 * defaults (the JDK: stateless tickets; nginx: {@code ssl_session_tickets on}), and the check stops a
 * run in which the servers differ in what they agree on.
 */
final class Https {
    /** What {@code --tls} runs unless {@code --workloads} says: keep-alive /hello, 64 KB echo, handshakes. */
    static final List<String> DEFAULT_WORKLOADS = List.of("hello-64", "hello-1000", "echo-64k", "churn-16");
    private static final Pattern AGREED = Pattern.compile("^(New|Reused), (TLSv[0-9.]+), Cipher is (\\S+)",
            Pattern.MULTILINE);
    private static final String REQUEST = "GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

    private Https() {
    }

    /** The run's certificate chain and its unencrypted PKCS#8 key, PEM. */
    record Certificate(Path chain, Path key) {
    }

    /**
     * What a server agreed on with OpenSSL.
     *
     * @param resumes whether a second connection with the first one's session was resumed
     */
    record Agreed(String protocol, String cipherSuite, boolean resumes) {
        @Override
        public String toString() {
            return protocol + " " + cipherSuite + (resumes ? ", resumes sessions" : ", no resumption");
        }
    }

    /** A self-signed P-256 certificate for localhost and 127.0.0.1 in {@code dir}, by openssl. */
    static Certificate create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Certificate files = new Certificate(dir.resolve("cert.pem"), dir.resolve("key.pem"));
        run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", files.key().toString(), "-out", files.chain().toString(), "-days", "7",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"), null);
        return files;
    }

    /** mpool's HTTPS listener on {@code port} beside its plain one. */
    static List<String> mpoolFlags(Certificate certificate, int port) {
        return List.of("--tls-port", String.valueOf(port), "--tls-cert", certificate.chain().toString(),
                "--tls-key", certificate.key().toString());
    }

    /** The JVM flags that give stock Undertow ({@code ReferenceServer}) its HTTPS listener on {@code port}. */
    static List<String> referenceFlags(Certificate certificate, int port) {
        return List.of("-Dreference.tls.port=" + port, "-Dreference.tls.cert=" + certificate.chain(),
                "-Dreference.tls.key=" + certificate.key());
    }

    /** nginx's {@code listen} parameter and the {@code ssl_*} lines of the server block; empty without TLS. */
    static String[] nginxDirectives(Certificate certificate) {
        if (certificate == null) {
            return new String[] {"", ""};
        }
        return new String[] {"ssl ", "ssl_certificate " + certificate.chain() + ";\n        ssl_certificate_key "
                + certificate.key() + ";\n        ssl_protocols TLSv1.2 TLSv1.3;"};
    }

    /**
     * What each server agrees on, with OpenSSL's {@code s_client} (two connections: the second offers
     * the first one's session); an IllegalStateException if they differ, so that no figure compares
     * a full handshake with a resumed one or one cipher with another.
     */
    static Map<String, Agreed> checkSame(List<ServerProcess> servers, Path work) throws IOException, InterruptedException {
        Map<String, Agreed> agreed = new LinkedHashMap<>();
        for (ServerProcess server : servers) {
            agreed.put(server.name, agreed(server.port, work.resolve(server.name + ".session")));
        }
        if (agreed.values().stream().distinct().count() > 1) {
            throw new IllegalStateException("the servers agree on different TLS with the same client (expected: the"
                    + " same for all): " + agreed);
        }
        return agreed;
    }

    private static Agreed agreed(int port, Path session) throws IOException, InterruptedException {
        List<String> client = List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername",
                "localhost", "-ign_eof");
        List<String> first = new ArrayList<>(client);
        first.addAll(List.of("-sess_out", session.toString()));
        Matcher fresh = AGREED.matcher(run(first, REQUEST));
        List<String> second = new ArrayList<>(client);
        second.addAll(List.of("-sess_in", session.toString()));
        Matcher again = AGREED.matcher(run(second, REQUEST));
        if (!fresh.find() || !again.find()) {
            throw new IOException("openssl s_client got no TLS session from 127.0.0.1:" + port);
        }
        return new Agreed(fresh.group(2), fresh.group(3), again.group(1).equals("Reused"));
    }

    /** The report's words on it: the certificate, what each server agreed on, and wrk's resumption. */
    static String reportSection(Map<String, Agreed> agreed) {
        StringBuilder text = new StringBuilder("## HTTPS\n\nEvery server over HTTPS (`--tls`), with one self-signed"
                + " P-256 certificate made by openssl for the run; the JVM servers on the same JDK provider (SunJSSE),"
                + " nginx with `ssl_protocols TLSv1.2 TLSv1.3`, one worker per IO thread. What each agreed on with"
                + " OpenSSL (`openssl s_client`, then again with the first session):\n\n");
        agreed.forEach((server, what) -> text.append("- ").append(server).append(": ").append(what).append('\n'));
        text.append("\nwrk resumes sessions (it keeps each connection's session across its reconnects), so on"
                + " `churn-16` every handshake after a connection's first is a resumption (a PSK with an ECDHE"
                + " exchange, no certificate signature) on every server alike. Our generator speaks plain HTTP"
                + " only: wrk alone measures these runs.\n");
        return text.toString();
    }

    /** Runs {@code command} with {@code input} on its stdin; its output, or an IOException if it failed. */
    private static String run(List<String> command, String input) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (OutputStream stdin = process.getOutputStream()) {
            if (input != null) {
                stdin.write(input.getBytes(StandardCharsets.US_ASCII));
            }
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0 && input == null) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }
}
