package io.mpool.server.demo;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** {@code GET /hello}: {@code hello\n}, text/plain. */
public final class HelloHandler implements HttpHandler {
    private static final ByteBuffer HELLO = ByteBuffer.allocateDirect(6)
            .put("hello\n".getBytes(StandardCharsets.US_ASCII)).flip();

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
        exchange.getResponseSender().send(HELLO.duplicate());
    }
}
