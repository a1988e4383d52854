package io.mpool.server.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mpool.mempool.ArenaStats;
import io.mpool.mempool.PageArena;
import io.mpool.server.stats.ServerMetric;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What {@code /admin/health/live}, {@code /admin/health/ready} and {@code /admin/health} answer.
 *
 * <ul>
 *   <li><b>live</b>: the process serves: the admin listener answers and the main listener is
 *   open, or closed only because a graceful stop began (a draining server must not be
 *   restarted).</li>
 *   <li><b>ready</b>: it should get new traffic: not draining, and the arena has refused no
 *   allocation for {@link #REFUSAL_WINDOW}.</li>
 * </ul>
 *
 * <p>The arena's refusals are seen by sampling its counters ({@link #sample}, once a second from
 * the server's sweep and at every check), so nothing is added to the allocation path.
 */
public final class Health {
    /**
     * How long readiness stays DOWN after the arena last refused an allocation: a Kubernetes
     * readiness probe's default period (10 s), so at least one probe sees a refusal.
     */
    public static final Duration REFUSAL_WINDOW = Duration.ofSeconds(10);

    private final PageArena arena;
    private final ServerMetric stats;
    private final BooleanSupplier mainListenerOpen;
    private long refusalsSeen;
    /** When {@link #sample} last saw the refusal count grow; {@code Long.MIN_VALUE} if never. */
    private long lastRefusalNanos = Long.MIN_VALUE;

    public Health(PageArena arena, ServerMetric stats, BooleanSupplier mainListenerOpen) {
        this.arena = arena;
        this.stats = stats;
        this.mainListenerOpen = mainListenerOpen;
    }

    /** One check's answer: {@code reason} says why it is DOWN (null when UP). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Status(String status, String reason) {
        static final Status UP = new Status("UP", null);

        static Status down(String reason) {
            return new Status("DOWN", reason);
        }

        public boolean up() {
            return reason == null;
        }
    }

    /**
     * Both checks: {@code {"status":"UP"}} when both are UP (what {@code /admin/health} always
     * answered), else DOWN with each check's status and the first DOWN one's reason.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Combined(String status, String live, String ready, String reason) {
        public boolean up() {
            return reason == null;
        }
    }

    /** Notes refusals the arena made since the last sample. Called once a second and at each check. */
    public synchronized void sample(long nowNanos) {
        long refusals = refusals(arena.stats());
        if (refusals != refusalsSeen) {
            refusalsSeen = refusals;
            lastRefusalNanos = nowNanos;
        }
    }

    public Status live() {
        if (!stats.draining() && !mainListenerOpen.getAsBoolean()) {
            return Status.down("the main listener is closed and no stop was asked for");
        }
        return Status.UP;
    }

    public Status ready() {
        long now = System.nanoTime();
        if (stats.draining()) {
            return Status.down("draining: graceful stop began " + seconds(now - stats.drainingSinceNanos())
                    + " ago, " + stats.inFlight() + " requests in flight");
        }
        sample(now);
        long sinceRefusal;
        long refusals;
        synchronized (this) {
            sinceRefusal = lastRefusalNanos == Long.MIN_VALUE ? Long.MAX_VALUE : now - lastRefusalNanos;
            refusals = refusalsSeen;
        }
        if (sinceRefusal < REFUSAL_WINDOW.toNanos()) {
            ArenaStats arenaStats = arena.stats();
            return Status.down("arena refusing allocations: last refusal within " + seconds(sinceRefusal)
                    + ", " + refusals + " refused since start (reserved " + arenaStats.reservedBytes() + " of "
                    + arenaStats.maxBytes() + " bytes, --arena-max)");
        }
        return Status.UP;
    }

    public Combined combined() {
        Status live = live();
        Status ready = ready();
        String reason = !live.up() ? live.reason() : ready.reason();
        return reason == null ? new Combined("UP", null, null, null)
                : new Combined("DOWN", live.status(), ready.status(), reason);
    }

    /** Exhaustions the arena refused (the fallback policy answers them with unpooled memory instead). */
    private static long refusals(ArenaStats arenaStats) {
        return arenaStats.exhaustions() - arenaStats.fallbacks();
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / (double) TimeUnit.SECONDS.toNanos(1));
    }
}
