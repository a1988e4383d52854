package io.mpool.server.routes;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;

/**
 * The main listener's routes: {@code GET /hello}, {@code POST /echo}, {@code POST /upload},
 * {@code GET /bytes/{n}}; anything else 404, a known path with the wrong method 405.
 */
public final class Routes implements HttpHandler {
    private final HttpHandler hello = new HelloHandler();
    private final HttpHandler echo;
    private final HttpHandler upload = new UploadHandler();
    private final HttpHandler bytes = new BytesHandler();

    /**
     * @param maxBlockingRequests blocking echoes running at once (more get 503)
     * @param blockingRefusals    counts those 503s
     */
    public Routes(int maxBlockingRequests, java.util.concurrent.atomic.LongAdder blockingRefusals) {
        this.echo = new EchoHandler(maxBlockingRequests, blockingRefusals);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String path = exchange.getRequestPath();
        HttpString method = exchange.getRequestMethod();
        switch (path) {
            case "/hello" -> route(exchange, method, Methods.GET, hello);
            case "/echo" -> route(exchange, method, Methods.POST, echo);
            case "/upload" -> route(exchange, method, Methods.POST, upload);
            default -> {
                if (path.startsWith("/bytes/")) {
                    route(exchange, method, Methods.GET, bytes);
                } else {
                    Responses.text(exchange, 404, "no route for " + path
                            + " (routes: GET /hello, POST /echo, POST /upload, GET /bytes/{n})");
                }
            }
        }
    }

    private static void route(HttpServerExchange exchange, HttpString method, HttpString allowed,
                              HttpHandler handler) throws Exception {
        if (method.equals(allowed)) {
            handler.handleRequest(exchange);
        } else {
            Responses.methodNotAllowed(exchange, allowed);
        }
    }
}
