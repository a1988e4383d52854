package io.mpool.server.connection;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.HttpContinueReadHandler;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What stands between the connection and the application's handler: {@code Expect: 100-continue}
 * and protocol upgrades.
 *
 * <p>Upgrades are not served. The framing check reads every byte a connection sends as HTTP/1.1
 * requests, and the connection's memory is reset at each request's end; an upgraded connection
 * (WebSocket frames) has neither. A WebSocket handshake ({@code Upgrade: websocket}) is answered
 * {@value #UPGRADE_REFUSED_STATUS} with a one-line reason before the application sees it; any
 * other {@code Upgrade} header ({@code h2c}, which curl sends on its own) is dropped, and the
 * request is served as plain HTTP/1.1, as RFC 9110 section 7.8 lets a server do.
 */
public final class ApplicationHandler implements HttpHandler {
    /** 501: the server does not implement the protocol the client asked to switch to. */
    public static final int UPGRADE_REFUSED_STATUS = 501;
    public static final String UPGRADE_REFUSED = "protocol upgrades (WebSocket) are not supported by this server:"
            + " plain HTTP/1.1 only\n";

    private final HttpHandler plain;
    private final HttpHandler continuing;

    public ApplicationHandler(HttpHandler application) {
        this.plain = application;
        this.continuing = new HttpContinueReadHandler(application);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        HeaderMap headers = exchange.getRequestHeaders();
        if (headers.contains(Headers.UPGRADE)) {
            if (headers.getFirst(Headers.UPGRADE).toLowerCase(Locale.ROOT).contains("websocket")) {
                refuseUpgrade(exchange);
                return;
            }
            headers.remove(Headers.UPGRADE);
        }
        // Only a request that asks for 100-continue needs Undertow's handler; checking every
        // request there cost about 2% of CPU on small requests (a set lookup of the protocol).
        (headers.contains(Headers.EXPECT) ? continuing : plain).handleRequest(exchange);
    }

    private static void refuseUpgrade(HttpServerExchange exchange) {
        byte[] body = UPGRADE_REFUSED.getBytes(StandardCharsets.UTF_8);
        exchange.setStatusCode(UPGRADE_REFUSED_STATUS);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, body.length);
        exchange.getResponseSender().send(ByteBuffer.wrap(body));
    }
}
