package io.mpool.loadtest.reference;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.sun.net.httpserver.HttpServer;
import io.mpool.server.TlsContexts;
import io.mpool.server.demo.BytesHandler;
import io.mpool.server.demo.JsonCounts;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.handlers.resource.PathResourceManager;
import io.undertow.server.handlers.resource.ResourceHandler;
import io.undertow.util.Headers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32;

/**
 * Stock Undertow written the way a typical user would: {@code Undertow.builder()}, default
 * buffers, {@code receiveFullBytes} for bodies. The baseline a user switching to mpool compares
 * against. Same routes as mpool ({@code /echo?mode=full} is its {@code /echo}: it always reads the
 * whole body first; {@code /json} parses the {@code byte[]} with the same counting). The optional
 * second argument sets the IO threads ({@code setIoThreads}), so a comparison can give it as many
 * as mpool has; without it, Undertow's default. The optional third serves {@link ReferenceAdmin}
 * on that port (requests and heap bytes, for heap per request). The optional fourth serves a
 * directory under {@code /static/} with Undertow's {@code ResourceHandler} over a
 * {@code PathResourceManager} on its defaults (files from 1 KiB on go out with {@code transferTo},
 * no ETag, no cache), as a user would write it:
 * {@code java -cp loadtest/target/mpool-loadtest.jar io.mpool.loadtest.reference.ReferenceServer 8081 1 9091 /srv/files}.
 * With {@code -Dreference.tls.port=8443 -Dreference.tls.cert=cert.pem -Dreference.tls.key=key.pem}
 * it serves the same routes over HTTPS too ({@code Undertow.builder().addHttpsListener}). With
 * {@code -Dreference.idleTimeoutMillis=N} it closes a connection idle between requests after N ms
 * instead of Undertow's 60 s ({@code UndertowOptions.NO_REQUEST_TIMEOUT}), as a measurement that
 * holds connections open for longer needs. With {@code -Dreference.http2=true} both listeners speak
 * HTTP/2 too ({@code UndertowOptions.ENABLE_HTTP2}: h2 by ALPN on the HTTPS one, h2c with prior
 * knowledge or {@code Upgrade} on the plain one), as a user turns it on.
 */
public final class ReferenceServer {
    private static final JsonFactory JSON = JsonFactory.builder().build();
    /** Where the optional directory is served, as mpool's demo serves its {@code --static-dir}. */
    private static final String STATIC_PREFIX = "/static/";
    /** System properties that add an HTTPS listener: its port, PEM certificate chain and PKCS#8 key. */
    static final String TLS_PORT = "reference.tls.port";
    static final String TLS_CERT = "reference.tls.cert";
    static final String TLS_KEY = "reference.tls.key";
    static final String IDLE_TIMEOUT_MILLIS = "reference.idleTimeoutMillis";
    static final String HTTP2 = "reference.http2";

    private ReferenceServer() {
    }

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8081;
        LongAdder requests = new LongAdder();
        HttpServer admin = args.length > 2 ? ReferenceAdmin.start(Integer.parseInt(args[2]), requests) : null;
        ResourceHandler files = args.length > 3 ? new ResourceHandler(new PathResourceManager(Path.of(args[3]))) : null;
        Undertow.Builder builder = Undertow.builder();
        if (args.length > 1) {
            builder.setIoThreads(Integer.parseInt(args[1]));
        }
        Integer idleTimeoutMillis = Integer.getInteger(IDLE_TIMEOUT_MILLIS);
        if (idleTimeoutMillis != null) {
            builder.setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, idleTimeoutMillis);
        }
        if (Boolean.getBoolean(HTTP2)) {
            builder.setServerOption(UndertowOptions.ENABLE_HTTP2, true);
        }
        String tlsPort = System.getProperty(TLS_PORT);
        if (tlsPort != null) {
            // Undertow's own HTTPS listener with the key mpool is given (its engine buffers from
            // Undertow's shared 17 KB pool), for side-by-side TLS figures.
            builder.addHttpsListener(Integer.parseInt(tlsPort), "127.0.0.1", TlsContexts.fromPem(
                    Path.of(System.getProperty(TLS_CERT)), Path.of(System.getProperty(TLS_KEY))));
        }
        Undertow server = builder
                .addHttpListener(port, "127.0.0.1")
                .setHandler(exchange -> {
                    requests.increment();
                    String path = exchange.getRequestPath();
                    if (path.equals("/hello")) {
                        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
                        exchange.getResponseSender().send("hello\n");
                    } else if (path.equals("/echo")) {
                        exchange.getRequestReceiver().receiveFullBytes((ex, body) -> {
                            String type = ex.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
                            if (type != null) {
                                ex.getResponseHeaders().put(Headers.CONTENT_TYPE, type);
                            }
                            ex.getResponseSender().send(ByteBuffer.wrap(body));
                        });
                    } else if (path.equals("/json")) {
                        // What a typical handler does: the whole body as a byte[], then Jackson's
                        // streaming parser over it, counting as mpool's /json does.
                        exchange.getRequestReceiver().receiveFullBytes((ex, body) -> {
                            try (JsonParser parser = JSON.createParser(body)) {
                                String answer = JsonCounts.of(parser).answer(body.length);
                                ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                                ex.getResponseSender().send(answer);
                            } catch (IOException e) {
                                ex.setStatusCode(400);
                                ex.getResponseSender().send("malformed JSON: " + e.getMessage() + "\n");
                            }
                        });
                    } else if (path.equals("/upload")) {
                        exchange.getRequestReceiver().receiveFullBytes((ex, body) -> {
                            CRC32 crc = new CRC32();
                            crc.update(body);
                            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                            ex.getResponseSender().send(String.format("{\"bytes\":%d,\"crc32\":\"%08x\"}\n", body.length, crc.getValue()));
                        });
                    } else if (path.startsWith("/bytes/")) {
                        int n = Integer.parseInt(path.substring("/bytes/".length()));
                        byte[] bytes = new byte[n];
                        for (int i = 0; i < n; i++) {
                            bytes[i] = BytesHandler.patternByte(i);
                        }
                        exchange.getResponseSender().send(ByteBuffer.wrap(bytes));
                    } else if (files != null && path.startsWith(STATIC_PREFIX)) {
                        exchange.setRelativePath(path.substring(STATIC_PREFIX.length() - 1));
                        files.handleRequest(exchange);
                    } else {
                        exchange.setStatusCode(404);
                        exchange.getResponseSender().send("not found\n", StandardCharsets.UTF_8);
                    }
                })
                .build();
        server.start();
        System.out.println("reference Undertow listening on 127.0.0.1:" + port
                + (tlsPort != null ? " and https://127.0.0.1:" + tlsPort : "")
                + (args.length > 1 ? " with " + args[1] + " IO thread(s)" : "")
                + (Boolean.getBoolean(HTTP2) ? ", HTTP/2 on" : "")
                + (admin != null ? ", " + ReferenceAdmin.describe(admin.getAddress().getPort()) : ""));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            if (admin != null) {
                admin.stop(0);
            }
        }));
    }
}
