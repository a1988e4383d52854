package io.mpool.server;

import io.mpool.server.body.HandlerSettings;
import io.undertow.server.HttpServerExchange;

/**
 * The server's cap on blocking requests running at once ({@code setMaxBlockingRequests}, the
 * CLI's {@code --max-blocking-requests}): a handler that is about to
 * {@code exchange.dispatch(...)} and {@code startBlocking()} asks first, so a flood of slow
 * uploads cannot park every worker thread.
 *
 * <pre>{@code
 * if (!BlockingRequests.tryStart(exchange)) {
 *     exchange.setStatusCode(503).endExchange(); // counted as blockingRefusals on the admin view
 *     return;
 * }
 * exchange.dispatch(ex -> { ex.startBlocking(); ... });
 * }</pre>
 */
public final class BlockingRequests {
    private BlockingRequests() {
    }

    /**
     * Takes a permit for {@code exchange}, given back when the exchange completes (however it
     * ends), or returns false and counts the refusal when every permit is taken. The caller
     * answers a refusal itself (the demo answers 503 and closes the connection without reading
     * the body).
     *
     * @throws IllegalStateException when the exchange did not come through an {@link MpoolServer}
     */
    public static boolean tryStart(HttpServerExchange exchange) {
        HandlerSettings settings = HandlerSettings.of(exchange);
        if (!settings.tryStartBlocking()) {
            return false;
        }
        exchange.addExchangeCompleteListener((ex, next) -> {
            settings.blockingEnded();
            next.proceed();
        });
        return true;
    }
}
