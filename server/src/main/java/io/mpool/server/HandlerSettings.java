package io.mpool.server;

import io.mpool.server.stats.ServerStats;
import io.undertow.server.HttpServerExchange;
import java.util.concurrent.Semaphore;
import org.xnio.Option;

/**
 * What the handlers of one server share ({@link RequestBody}'s limits, {@link BlockingRequests}'
 * permits), found from any exchange through its connection's Undertow options: the server puts
 * this in the option map every connection of its main listener is opened with. Not an exchange
 * attachment: one attachment makes every one of Undertow's own attachment lookups on the exchange
 * probe a map (7.7% of CPU samples on 1 KB echo).
 */
final class HandlerSettings {
    /** The key in the connection's Undertow options. */
    static final Option<HandlerSettings> OPTION = Option.simple(HandlerSettings.class, "OPTION",
            HandlerSettings.class);

    final BodyLimits bodyLimits;
    /** Blocking requests running at once: at most {@code --max-blocking-requests}. */
    final Semaphore blockingPermits;
    /** Counts the 503s when no permit was left (shown on the admin view and metrics). */
    private final ServerStats stats;

    HandlerSettings(BodyLimits bodyLimits, int maxBlockingRequests, ServerStats stats) {
        this.bodyLimits = bodyLimits;
        this.blockingPermits = new Semaphore(maxBlockingRequests);
        this.stats = stats;
    }

    /** A blocking request found no permit left: counted, the caller answers it. */
    void blockingRefused() {
        stats.blockingRefused();
    }

    /**
     * The settings of the server that accepted {@code exchange}'s connection.
     *
     * @throws IllegalStateException when the connection is not one of an {@link MpoolServer}'s main listener
     */
    static HandlerSettings of(HttpServerExchange exchange) {
        HandlerSettings settings = exchange.getConnection().getUndertowOptions().get(OPTION);
        if (settings == null) {
            throw new IllegalStateException("connection from " + exchange.getSourceAddress()
                    + " was not accepted by an MpoolServer's main listener (expected: a handler set with"
                    + " MpoolServer.builder().setHandler(...))");
        }
        return settings;
    }
}
