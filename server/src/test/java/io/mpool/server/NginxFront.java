package io.mpool.server;

import static org.junit.jupiter.api.Assertions.fail;

import io.mpool.testing.Await;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;

/**
 * A real nginx (Debian's {@code nginx-light}) as a reverse proxy in front of a test's server: one
 * process ({@code master_process off}), a configuration of its own in a temporary folder, HTTP/1.1
 * keep-alive connections to the server ({@code proxy_http_version 1.1}, {@code Connection ""},
 * {@code keepalive} in the upstream, as a production proxy is set up), and a Unix socket for the
 * test's clients (no port to pick). Where nginx is missing the test is skipped, or fails under
 * {@code CI=true} (CI installs it).
 */
final class NginxFront implements AutoCloseable {
    private static final Path NGINX = Path.of("/usr/sbin/nginx");
    /** How long one exchange through nginx may take before the test fails (nothing here waits on a timer of nginx's). */
    private static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path folder;
    private final UnixDomainSocketAddress listen;

    private NginxFront(Process process, Path folder, UnixDomainSocketAddress listen) {
        this.process = process;
        this.folder = folder;
        this.listen = listen;
    }

    /** nginx proxying everything to {@code 127.0.0.1:upstreamPort}, started in {@code folder} and listening. */
    static NginxFront start(Path folder, int upstreamPort) throws IOException {
        if (!Files.isExecutable(NGINX)) {
            String reason = NGINX + " not found (Debian: apt-get install nginx-light)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("CI=true and the nginx test cannot run: " + reason);
            }
            Assumptions.abort(reason);
        }
        Path socket = folder.resolve("nginx.sock");
        Path config = folder.resolve("nginx.conf");
        Files.writeString(config, """
                daemon off;
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log info;
                events { worker_connections 64; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/client_body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    uwsgi_temp_path %1$s/uwsgi;
                    scgi_temp_path %1$s/scgi;
                    upstream mpool {
                        server 127.0.0.1:%2$d;
                        keepalive 4;
                    }
                    server {
                        listen unix:%3$s;
                        location / {
                            proxy_pass http://mpool;
                            proxy_http_version 1.1;
                            proxy_set_header Connection "";
                        }
                    }
                }
                """.formatted(folder, upstreamPort, socket));
        Process process = new ProcessBuilder(NGINX.toString(), "-p", folder.toString(), "-c", config.toString(),
                "-e", folder.resolve("error.log").toString())
                .redirectErrorStream(true).redirectOutput(folder.resolve("nginx.out").toFile()).start();
        NginxFront nginx = new NginxFront(process, folder, UnixDomainSocketAddress.of(socket));
        Await.until("nginx to listen on " + socket, Duration.ofSeconds(10), nginx::listening, up -> up);
        return nginx;
    }

    private boolean listening() throws IOException {
        if (!process.isAlive()) {
            throw new IllegalStateException("nginx exited with " + process.exitValue() + ": " + log());
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return probe.connect(listen);
        } catch (IOException e) {
            return false;
        }
    }

    /** A client connection to nginx. */
    Client connect() throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(listen);
        return new Client(channel);
    }

    /** nginx's error log (info level: upstream errors and closed keep-alive connections show here). */
    String log() throws IOException {
        Path log = folder.resolve("error.log");
        return Files.exists(log) ? Files.readString(log) : "(no error log)";
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** One client connection to nginx, kept alive between exchanges. */
    static final class Client implements AutoCloseable {
        private final SocketChannel channel;
        private final InputStream in;

        private Client(SocketChannel channel) {
            this.channel = channel;
            this.in = new BufferedInputStream(Channels.newInputStream(channel));
        }

        void send(byte[] request) throws IOException {
            ByteBuffer bytes = ByteBuffer.wrap(request);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }

        /**
         * The next response, read on a thread of its own so that a hang fails the test instead of
         * blocking it. Not the common pool: with one CPU's parallelism (2 CPUs) a response still
         * being read there, as a held one is, keeps every later read waiting (seen on Temurin 25;
         * JDK 17's CompletableFuture starts a thread per task when that parallelism is 1).
         */
        CompletableFuture<RawHttp.Response> response() {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return RawHttp.readResponse(in);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, task -> {
                Thread reader = new Thread(task, "nginx-client-read");
                reader.setDaemon(true);
                reader.start();
            });
        }

        /** Waits (bounded) for a response {@link #response()} began reading. */
        static RawHttp.Response await(CompletableFuture<RawHttp.Response> response)
                throws InterruptedException, ExecutionException {
            try {
                return response.get(EXCHANGE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                return fail("no response through nginx within " + EXCHANGE_TIMEOUT);
            }
        }

        RawHttp.Response exchange(byte[] request) throws IOException, InterruptedException, ExecutionException {
            send(request);
            return await(response());
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
