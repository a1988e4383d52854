package io.mpool.server.example;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mpool.server.BlockingRequests;
import io.mpool.server.MpoolServer;
import io.mpool.server.RequestBody;
import io.mpool.server.RequestRegion;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.resource.PathResourceManager;
import io.undertow.server.handlers.resource.ResourceHandler;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * A service written only against mpool's public API (this package sees nothing else): routing
 * with path templates, JSON through {@link RequestBody}, a blocking handler, static files, and the
 * admin listener on loopback.
 *
 * <pre>
 *   GET  /greet/{name}   "hello, {name}" (built in the request's region)
 *   POST /orders         a JSON order in, a JSON summary out
 *   POST /upper          the body upper-cased, on a worker thread with blocking streams
 *   GET  /static/...     files of a directory
 * </pre>
 */
public final class ExampleApplication {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ExampleApplication() {
    }

    /** The application's handler. */
    public static HttpHandler handler(Path staticDir) {
        HttpHandler routes = Handlers.routing()
                .get("/greet/{name}", ExampleApplication::greet)
                .post("/orders", ExampleApplication::order)
                .post("/upper", ExampleApplication::upper);
        return Handlers.path(routes)
                .addPrefixPath("/static", new ResourceHandler(new PathResourceManager(staticDir)));
    }

    /** The service on {@code port} (0: any free one), its admin listener on loopback. */
    public static MpoolServer start(int port, int adminPort, Path staticDir) throws IOException {
        return MpoolServer.builder()
                .addHttpListener(port, "127.0.0.1")
                .setHandler(handler(staticDir))
                .setAdminListener(adminPort, "127.0.0.1", null)
                .setIoThreads(2)
                .setConnectionMaxBytes(4 << 20)
                .setShutdownGrace(Duration.ofSeconds(5))
                .build()
                .start();
    }

    public static void main(String[] args) throws IOException {
        MpoolServer server = start(8080, 9090, Path.of(args.length > 0 ? args[0] : "."));
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
    }

    /** The answer is built in memory of the request's region: no heap buffer, freed by the reset. */
    private static void greet(HttpServerExchange exchange) {
        byte[] name = exchange.getQueryParameters().get("name").getFirst().getBytes(StandardCharsets.UTF_8);
        byte[] hello = "hello, ".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer answer = RequestRegion.allocate(exchange, hello.length + name.length);
        answer.put(hello).put(name).flip();
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getResponseSender().send(answer);
    }

    /** The whole body first (pool blocks, or a temp file when large), then Jackson reads it. */
    private static void order(HttpServerExchange exchange) {
        RequestBody.read(exchange, (ex, body) -> {
            JsonNode order;
            try (InputStream in = body.inputStream()) {
                order = JSON.readTree(in);
            } catch (IOException e) {
                ex.setStatusCode(400);
                ex.getResponseSender().send("not JSON\n");
                return;
            }
            long quantity = 0;
            for (JsonNode line : order.path("lines")) {
                quantity += line.path("quantity").asLong();
            }
            ObjectNode summary = JSON.createObjectNode()
                    .put("customer", order.path("customer").asText())
                    .put("lines", order.path("lines").size())
                    .put("quantity", quantity)
                    .put("bodyBytes", body.size());
            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            ex.getResponseSender().send(JSON.writeValueAsString(summary));
        });
    }

    /** exchange.dispatch and startBlocking, within the server's cap on blocking requests. */
    private static void upper(HttpServerExchange exchange) throws IOException {
        if (exchange.isInIoThread()) {
            if (!BlockingRequests.tryStart(exchange)) {
                exchange.setStatusCode(503);
                exchange.getResponseSender().send("busy\n");
                return;
            }
            exchange.dispatch(ExampleApplication::upper);
            return;
        }
        exchange.startBlocking();
        String text = new String(exchange.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        byte[] answer = text.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, answer.length);
        exchange.getOutputStream().write(answer);
        exchange.endExchange();
    }
}
