package io.mpool.server.body;

import io.mpool.server.stats.ServerStats;
import io.undertow.server.HttpServerExchange;
import java.util.concurrent.Semaphore;
import org.xnio.Option;

/**
 * What the handlers of one server share ({@code RequestBody}'s limits, {@code BlockingRequests}'
 * permits), found from any exchange through its connection's Undertow options: the server puts
 * this in the option map every connection of its main listener is opened with. Not an exchange
 * attachment: one attachment makes every one of Undertow's own attachment lookups on the exchange
 * probe a map (7.7% of CPU samples on 1 KB echo).
 */
public final class HandlerSettings {
    /** The key in the connection's Undertow options. */
    public static final Option<HandlerSettings> OPTION = Option.simple(HandlerSettings.class, "OPTION",
            HandlerSettings.class);

    private final BodyLimits bodyLimits;
    /** Blocking requests running at once: at most {@code --max-blocking-requests}. */
    private final Semaphore blockingPermits;
    /** Counts the 503s when no permit was left (shown on the admin view and metrics). */
    private final ServerStats stats;

    public HandlerSettings(BodyLimits bodyLimits, int maxBlockingRequests, ServerStats stats) {
        this.bodyLimits = bodyLimits;
        this.blockingPermits = new Semaphore(maxBlockingRequests);
        this.stats = stats;
    }

    public BodyLimits bodyLimits() {
        return bodyLimits;
    }

    /** Takes a permit for a blocking request; false (counted as a refusal) when every permit is taken. */
    public boolean tryStartBlocking() {
        if (blockingPermits.tryAcquire()) {
            return true;
        }
        stats.blockingRefused();
        return false;
    }

    /** A blocking request that {@link #tryStartBlocking()} let in has completed: its permit goes back. */
    public void blockingEnded() {
        blockingPermits.release();
    }

    /**
     * The settings of the server that accepted {@code exchange}'s connection.
     *
     * @throws IllegalStateException when the connection is not one of an {@code MpoolServer}'s main listener
     */
    public static HandlerSettings of(HttpServerExchange exchange) {
        HandlerSettings settings = exchange.getConnection().getUndertowOptions().get(OPTION);
        if (settings == null) {
            throw new IllegalStateException("connection from " + exchange.getSourceAddress()
                    + " was not accepted by an MpoolServer's main listener (expected: a handler set with"
                    + " MpoolServer.builder().setHandler(...))");
        }
        return settings;
    }
}
