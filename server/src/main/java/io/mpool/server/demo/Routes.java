package io.mpool.server.demo;

import io.mpool.server.BodyLimits;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.util.concurrent.atomic.LongAdder;

/**
 * The main listener's routes: {@code GET /hello}, {@code POST /echo}, {@code POST /upload}, {@code POST /json},
 * {@code GET /bytes/{n}} (HEAD wherever GET, OPTIONS everywhere, {@code OPTIONS *} for the server
 * as a whole: {@link AllowedMethods}); a method
 * we do not recognize (case counts: {@code get} is not GET) 501, an unknown path 404, a known path
 * with the wrong method 405 with {@code Allow}.
 */
public final class Routes implements HttpHandler {
    private final HttpHandler hello = new HelloHandler();
    private final HttpHandler echo;
    private final HttpHandler upload = new UploadHandler();
    private final HttpHandler bytes = new BytesHandler();
    private final HttpHandler json;

    /**
     * @param maxBlockingRequests blocking echoes running at once (more get 503)
     * @param blockingRefusals    counts those 503s
     * @param bodyLimits          where whole bodies go ({@code /json}, {@code /echo?mode=full})
     */
    public Routes(int maxBlockingRequests, LongAdder blockingRefusals, BodyLimits bodyLimits) {
        this.echo = new EchoHandler(maxBlockingRequests, blockingRefusals, bodyLimits);
        this.json = new JsonHandler(bodyLimits);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (!AllowedMethods.known(exchange)) {
            Responses.notImplemented(exchange);
            return;
        }
        String path = exchange.getRequestPath();
        switch (path) {
            case "/hello" -> route(exchange, AllowedMethods.GET, hello);
            case "/echo" -> route(exchange, AllowedMethods.POST, echo);
            case "/upload" -> route(exchange, AllowedMethods.POST, upload);
            case "/json" -> route(exchange, AllowedMethods.POST, json);
            // Undertow's parser takes the asterisk-form with OPTIONS only (400 otherwise).
            case "*" -> Responses.options(exchange, AllowedMethods.SERVER);
            default -> {
                if (path.startsWith("/bytes/")) {
                    route(exchange, AllowedMethods.GET, bytes);
                } else {
                    Responses.text(exchange, 404, "no route for " + path
                            + " (routes: GET /hello, POST /echo, POST /upload, POST /json, GET /bytes/{n})");
                }
            }
        }
    }

    private static void route(HttpServerExchange exchange, AllowedMethods allowed, HttpHandler handler)
            throws Exception {
        switch (allowed.check(exchange)) {
            case SERVE -> handler.handleRequest(exchange);
            case OPTIONS -> Responses.options(exchange, allowed);
            case NOT_ALLOWED -> Responses.methodNotAllowed(exchange, allowed);
            case NOT_IMPLEMENTED -> Responses.notImplemented(exchange);
        }
    }
}
