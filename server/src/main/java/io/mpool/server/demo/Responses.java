package io.mpool.server.demo;

import io.mpool.server.AllowedMethods;
import io.mpool.server.RequestBody;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Short plain-text answers: errors and the like. */
public final class Responses {
    private Responses() {
    }

    /** Ends the exchange with {@code status} and a one-line text body. */
    public static void text(HttpServerExchange exchange, int status, String body) {
        byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, bytes.length);
        exchange.getResponseSender().send(ByteBuffer.wrap(bytes));
    }

    /**
     * A request body could not be read. A body with broken framing gets its 4xx, if the response
     * has not started, and the connection closes after it; anything else (client gone, or the
     * response already under way) closes the connection at once.
     */
    public static void bodyFailed(HttpServerExchange exchange, IOException failure, String what) {
        RequestBody.answerFailure(exchange, failure, what);
    }

    /** 405 with the {@code Allow} header naming the methods the path takes. */
    public static void methodNotAllowed(HttpServerExchange exchange, AllowedMethods allowed) {
        exchange.getResponseHeaders().put(Headers.ALLOW, allowed.allowHeader());
        text(exchange, 405, "method " + exchange.getRequestMethod() + " not allowed on "
                + exchange.getRequestPath() + " (allowed: " + allowed + ")");
    }

    /** OPTIONS: 204 with the {@code Allow} header (RFC 9110 section 9.3.7). */
    public static void options(HttpServerExchange exchange, AllowedMethods allowed) {
        exchange.getResponseHeaders().put(Headers.ALLOW, allowed.allowHeader());
        exchange.setStatusCode(204);
        exchange.endExchange();
    }

    /** 501 for a method we do not recognize; the method itself is not echoed (it can be any token). */
    public static void notImplemented(HttpServerExchange exchange) {
        text(exchange, 501, "method not implemented (methods are case-sensitive; this server implements "
                + "GET, HEAD, POST, OPTIONS)");
    }
}
