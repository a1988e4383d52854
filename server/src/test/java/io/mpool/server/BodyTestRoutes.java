package io.mpool.server;

import io.mpool.server.demo.Responses;
import io.undertow.server.HttpHandler;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Handlers a test puts in front of the server's routes to use {@link RequestBody} the way an
 * application would: {@code POST /test/throw} throws from its callback; {@code POST /test/retain}
 * retains the body, hands it to the test (as a worker would get it) and answers 202 at once.
 */
final class BodyTestRoutes implements UnaryOperator<HttpHandler> {
    private final Supplier<MpoolServer> server;
    /** Bodies retained by /test/retain, for the test to read and release. */
    final BlockingQueue<BodyView> retained = new LinkedBlockingQueue<>();

    BodyTestRoutes(Supplier<MpoolServer> server) {
        this.server = server;
    }

    @Override
    public HttpHandler apply(HttpHandler next) {
        return exchange -> {
            switch (exchange.getRequestPath()) {
                case "/test/throw" -> RequestBody.read(exchange, server.get().bodyLimits(), (ex, body) -> {
                    throw new IllegalStateException("handler fails on purpose after reading " + body.size() + " bytes");
                });
                case "/test/retain" -> RequestBody.read(exchange, server.get().bodyLimits(), (ex, body) -> {
                    retained.add(body.retain());
                    Responses.text(ex, 202, "retained " + body.size() + " bytes");
                });
                default -> next.handleRequest(exchange);
            }
        };
    }
}
