package io.mpool.server.routes;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.nio.charset.StandardCharsets;

/** Short plain-text answers: errors and the like. */
public final class Responses {
    private Responses() {
    }

    /** Ends the exchange with {@code status} and a one-line text body. */
    public static void text(HttpServerExchange exchange, int status, String body) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getResponseSender().send(body + "\n", StandardCharsets.UTF_8);
    }

    /** 405 with the {@code Allow} header naming the one method the path takes. */
    public static void methodNotAllowed(HttpServerExchange exchange, HttpString allowed) {
        exchange.getResponseHeaders().put(Headers.ALLOW, allowed.toString());
        text(exchange, 405, "method " + exchange.getRequestMethod() + " not allowed on "
                + exchange.getRequestPath() + " (allowed: " + allowed + ")");
    }
}
