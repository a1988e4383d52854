package io.mpool.server.admin;

import com.sun.management.OperatingSystemMXBean;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.jmx.JmxConfig;
import io.micrometer.jmx.JmxMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mpool.mempool.ArenaStats;
import io.mpool.mempool.PageArena;
import io.mpool.mempool.SizeClassStats;
import io.mpool.server.stats.H2Flood;
import io.mpool.server.stats.ServerMetric;
import io.mpool.server.transport.RequestMetrics;
import java.io.Closeable;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The server's meters (Micrometer), served as Prometheus text on {@code GET /metrics} and as
 * MBeans in the {@value #JMX_DOMAIN} JMX domain.
 *
 * <p>Nothing here runs per request: every mpool meter is a gauge or a function counter that reads
 * the counters the server keeps anyway ({@link ServerStats}, the arena's) when it is scraped. The
 * arena is read as one {@link ArenaStats} snapshot per scrape, so its meters agree with one
 * another and with {@code /admin/pools}; a JMX read takes a snapshot of its own.
 */
public final class ServerMetrics implements Closeable {
    /** The JMX domain of the meters' MBeans. */
    public static final String JMX_DOMAIN = "mpool";
    /** The Prometheus text format's content type. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** OpenMetrics 1.0 text, for a scraper whose {@code Accept} names it (Prometheus does, by default). */
    public static final String OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    private static final String OPENMETRICS_MEDIA_TYPE = "application/openmetrics-text";

    private final PageArena arena;
    private final PrometheusMeterRegistry prometheus;
    private final JmxMeterRegistry jmx;
    private final CompositeMeterRegistry meters = new CompositeMeterRegistry();
    private final JvmGcMetrics gc = new JvmGcMetrics();
    /** The arena as the scrape running now sees it; null between scrapes. */
    private volatile ArenaStats scrapeSnapshot;

    /**
     * @param adminConnectionsRefused admin connections refused at the listener's limit so far
     */
    public ServerMetrics(PageArena arena, ServerMetric stats, LongSupplier adminConnectionsRefused) {
        this.arena = arena;
        this.prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.jmx = new JmxMeterRegistry(new JmxConfig() {
            @Override
            public String get(String key) {
                return null;
            }

            @Override
            public String domain() {
                return JMX_DOMAIN;
            }
        }, Clock.SYSTEM);
        // Micrometer's process.cpu.time counts nanoseconds (process_cpu_time_ns_total); the
        // Prometheus convention, which every dashboard reads, is seconds: bindProcessCpu.
        prometheus.config().meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"));
        meters.add(prometheus);
        meters.add(jmx);
        bindArena();
        bindServer(stats, adminConnectionsRefused);
        prometheus.getPrometheusRegistry().register(new ResetDelayCollector(stats));
        FunctionTimer.builder("mpool.reset.delay", stats,
                        s -> s.resetDelays().count(), s -> s.resetDelays().sumSeconds(), TimeUnit.SECONDS)
                .description("Time from the end of a request to its pool's reset (0 when it ran at once)")
                .register(jmx);
        new JvmMemoryMetrics().bindTo(meters);
        gc.bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        new ClassLoaderMetrics().bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        new UptimeMetrics().bindTo(meters);
        new FileDescriptorMetrics().bindTo(meters);
        bindProcessCpu();
    }

    /** {@code process_cpu_seconds_total}: CPU time the JVM used, in seconds (the Prometheus clients' name). */
    private void bindProcessCpu() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os
                && os.getProcessCpuTime() >= 0) {
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9).baseUnit("seconds")
                    .description("CPU time the process used").register(meters);
        }
    }

    /**
     * The timers of the main listener's requests ({@code http_server_requests_seconds}), on
     * {@code /metrics} only: a JMX timer records into a Dropwizard reservoir that takes a lock,
     * which every request would then contend for.
     */
    public RequestMetrics requestMetrics() {
        return new RequestMetrics(prometheus);
    }

    private void bindArena() {
        arenaGauge("mpool.arena.max", BaseUnits.BYTES, "Bound on the arena's direct memory (--arena-max)",
                ArenaStats::maxBytes);
        arenaGauge("mpool.arena.reserved", BaseUnits.BYTES, "Direct memory the arena has reserved (free or not)",
                ArenaStats::reservedBytes);
        arenaGauge("mpool.arena.in.use", BaseUnits.BYTES, "Arena memory handed out: pages and large blocks",
                a -> (double) a.pagesInUse() * a.pageSize() + a.largeBytesInUse());
        arenaGauge("mpool.arena.pages.in.use", null, "Pages (pool nodes) handed out", ArenaStats::pagesInUse);
        arenaGauge("mpool.arena.pages.free", null, "Reserved pages on the free list", ArenaStats::pagesFree);
        arenaGauge("mpool.arena.large.blocks.in.use", null, "Large blocks handed out", ArenaStats::largeBlocksInUse);
        arenaGauge("mpool.arena.large.in.use", BaseUnits.BYTES, "Capacity of the large blocks handed out",
                ArenaStats::largeBytesInUse);
        arenaGauge("mpool.arena.reserve.free", BaseUnits.BYTES, "Reserved memory not carved into any size class",
                ArenaStats::reserveFreeBytes);
        arenaCounter("mpool.arena.exhaustions", "Requests that found the arena at its bound", ArenaStats::exhaustions);
        arenaCounter("mpool.arena.fallbacks", "Exhaustions answered with an unpooled buffer (policy fallback)",
                ArenaStats::fallbacks);
        arenaCounter("mpool.arena.reclaims", "Times the arena moved every free block back to its common reserve",
                ArenaStats::reclaims);
        arenaCounter("mpool.arena.trims", "Trims that gave free chunks back to the operating system",
                ArenaStats::trims);
        arenaCounter("mpool.arena.trimmed.bytes", "Memory trims gave back to the operating system, in bytes",
                ArenaStats::bytesTrimmed);
        List<SizeClassStats> classes = arena.stats().sizeClasses();
        for (int i = 0; i < classes.size(); i++) {
            int index = i;
            Tags tags = Tags.of("class", classes.get(i).name(), "block_size", String.valueOf(classes.get(i).blockSize()));
            Gauge.builder("mpool.arena.class.reserved", this, m -> m.arena().sizeClasses().get(index).reservedBytes())
                    .tags(tags).baseUnit(BaseUnits.BYTES).description("Memory carved into this size class")
                    .register(meters);
            Gauge.builder("mpool.arena.class.free", this, m -> m.arena().sizeClasses().get(index).freeBytes())
                    .tags(tags).baseUnit(BaseUnits.BYTES).description("Of that, blocks on the class's free list")
                    .register(meters);
            Gauge.builder("mpool.arena.class.blocks.in.use", this, m -> m.arena().sizeClasses().get(index).blocksInUse())
                    .tags(tags).description("Blocks of this size class handed out").register(meters);
        }
    }

    private void bindServer(ServerMetric stats, LongSupplier adminConnectionsRefused) {
        counter("mpool.pools.opened", "Connection pools created, one per accepted connection (poolsCreated; OpenMetrics reserves the _created suffix)", stats::poolsCreated);
        counter("mpool.pools.destroyed", "Connection pools destroyed (their pages back in the arena)",
                stats::poolsDestroyed);
        Gauge.builder("mpool.pools.live", stats, ServerMetric::poolsLive)
                .description("Connection pools alive now").register(meters);
        counter("mpool.requests", "Requests started on the main listener", stats::requests);
        Gauge.builder("mpool.requests.in.flight", stats, ServerMetric::inFlight)
                .description("Requests between start and completion now").register(meters);
        counter("mpool.resets", "Pool resets (one per request end, or fewer when coalesced)", stats::resets);
        counter("mpool.resets.deferred", "Request ends whose reset waited for Undertow to close a buffer",
                stats::resetsDeferred);
        counter("mpool.resets.coalesced", "Request ends covered by another request's reset or by the destroy",
                stats::resetsCoalesced);
        counter("mpool.buffers.orphaned.reclaimed", "Buffers Undertow still held at close, taken back at destroy",
                stats::orphanedBuffersReclaimed);
        counter("mpool.tls.handshakes", "TLS handshakes finished on the HTTPS listener", stats::tlsHandshakes);
        counter("mpool.tls.handshake.failures", "HTTPS connections closed before their handshake finished"
                + " (timeouts, plain HTTP, bytes that are not TLS)", stats::tlsHandshakeFailures);
        counter("mpool.tls.sessions.resumed", "TLS handshakes that resumed an earlier session",
                stats::tlsSessionsResumed);
        counter("mpool.tls.certificate.reloads", "HTTPS certificate read again after its files changed",
                stats::certificateReloads);
        counter("mpool.tls.certificate.reload.failures", "Changed HTTPS certificate files refused (logged; the"
                + " certificate in use kept)", stats::certificateReloadFailures);
        refusals("handshake_timeout", "HTTPS connections closed by --handshake-timeout", stats::tlsHandshakeTimeouts);
        counter("mpool.h2.streams", "HTTP/2 streams opened, each with a region of its own", stats::h2Streams);
        counter("mpool.h2.streams.reset.by.peer", "HTTP/2 streams the client reset (RST_STREAM)",
                stats::h2StreamsResetByPeer);
        counter("mpool.h2.streams.refused", "HTTP/2 streams refused past the concurrent-stream limit or"
                + " without memory for their region (REFUSED_STREAM)", stats::h2StreamsRefused);
        counter("mpool.h2.goaways.calm", "HTTP/2 connections closed with GOAWAY ENHANCE_YOUR_CALM (rapid reset,"
                + " CONTINUATION, control-frame and empty-frame floods)", stats::h2CalmGoaways);
        for (H2Flood flood : H2Flood.values()) {
            FunctionCounter.builder("mpool.h2.floods", stats, s -> s.h2CalmGoaways(flood))
                    .tag("flood", flood.name().toLowerCase(Locale.ROOT))
                    .description("HTTP/2 connections closed with GOAWAY ENHANCE_YOUR_CALM, by flood").register(meters);
        }
        bindBodies(stats);
        refusals("framing", "Requests refused by the framing check", stats::framingRefusals);
        refusals("arena_exhausted", "Allocations the arena refused (answered 503)", stats::arenaRejections);
        refusals("connection_cap", "Connections closed past --connection-max-bytes",
                stats::connectionCapExceeded);
        refusals("blocking_limit", "Blocking requests refused at --max-blocking-requests",
                stats::blockingRefusals);
        refusals("admin_connection_limit", "Admin connections refused at the listener's limit", adminConnectionsRefused);
        refusals("read_timeout", "Connections closed by --read-timeout (408 if a request was waiting)",
                stats::readTimeouts);
        refusals("write_timeout", "Connections closed by --write-timeout", stats::writeTimeouts);
        for (int i = 0; i <= ServerMetric.FRAMING_STATUSES.length; i++) {
            int index = i;
            String status = i < ServerMetric.FRAMING_STATUSES.length ? String.valueOf(ServerMetric.FRAMING_STATUSES[i])
                    : "other";
            FunctionCounter.builder("mpool.framing.refusals", stats, s -> s.framingRefusals(index))
                    .tag("status", status).description("Requests refused by the framing check, by status")
                    .register(meters);
        }
    }

    /** Whole request bodies: pool memory they hold, temp files, refusals (docs/request-body.md). */
    private void bindBodies(ServerMetric stats) {
        Gauge.builder("mpool.body.memory.in.use", stats, ServerMetric::bodyMemoryInUse).baseUnit(BaseUnits.BYTES)
                .description("Pool memory whole bodies held in memory take now (--body-memory-total)").register(meters);
        counter("mpool.body.memory.early.spills", "Bodies sent to a temp file early because --body-memory-total"
                + " was taken", stats::bodyMemoryEarlySpills);
        counter("mpool.body.spills", "Whole bodies that went to a temp file", stats::bodySpills);
        counter("mpool.body.spill.written", "Bytes written to temp files of bodies", stats::bodySpillBytes);
        Gauge.builder("mpool.body.temp.files", stats, ServerMetric::bodyTempFilesLive)
                .description("Temp files of bodies that exist now").register(meters);
        Gauge.builder("mpool.body.temp.bytes", stats, ServerMetric::bodyTempBytes).baseUnit(BaseUnits.BYTES)
                .description("Bytes in the temp files of bodies that exist now (--body-temp-max)").register(meters);
        refusals("body_temp_full", "Bodies refused with 503 at --body-temp-max", stats::bodyTempRefusals);
        refusals("body_temp_write_failed", "Bodies refused with 503 because their temp file could not be written"
                + " (a full disk)", stats::bodyTempWriteFailures);
    }

    // Micrometer holds a meter's state object weakly and its function strongly: every meter's
    // state is this object or the server's stats (both live as long as the server), and what
    // else it reads is captured by its function.

    private void refusals(String reason, String description, LongSupplier count) {
        FunctionCounter.builder("mpool.refusals", this, m -> count.getAsLong()).tag("reason", reason)
                .description("Requests or connections refused, by reason: " + description).register(meters);
    }

    private void counter(String name, String description, LongSupplier count) {
        FunctionCounter.builder(name, this, m -> count.getAsLong()).description(description).register(meters);
    }

    private void arenaGauge(String name, String unit, String description, ToDoubleFunction<ArenaStats> value) {
        Gauge.builder(name, this, m -> value.applyAsDouble(m.arena())).baseUnit(unit).description(description)
                .register(meters);
    }

    private void arenaCounter(String name, String description, ToDoubleFunction<ArenaStats> value) {
        FunctionCounter.builder(name, this, m -> value.applyAsDouble(m.arena())).description(description)
                .register(meters);
    }

    /** The arena as a meter reads it: the running scrape's snapshot, or a fresh one (a JMX read). */
    private ArenaStats arena() {
        ArenaStats snapshot = scrapeSnapshot;
        return snapshot != null ? snapshot : arena.stats();
    }

    /** Every meter in the Prometheus text format; the arena read once, as one snapshot. */
    public String scrape() {
        return scrape(null).text();
    }

    /** A scrape and its content type. */
    public record Scrape(String contentType, String text) {
    }

    /**
     * Every meter, in OpenMetrics when {@code accept} (the scraper's {@code Accept} header, null
     * if none) names it, in the Prometheus text format otherwise; the arena read once.
     */
    public synchronized Scrape scrape(String accept) {
        String contentType = contentType(accept);
        scrapeSnapshot = arena.stats();
        try {
            return new Scrape(contentType, prometheus.scrape(contentType));
        } finally {
            scrapeSnapshot = null;
        }
    }

    /** The content type a scrape for {@code accept} (null if none) is written in. */
    static String contentType(String accept) {
        return accept != null && accept.toLowerCase(Locale.ROOT).contains(OPENMETRICS_MEDIA_TYPE)
                ? OPENMETRICS_CONTENT_TYPE : CONTENT_TYPE;
    }

    /** The registry holding every meter (Prometheus and JMX beneath it). */
    public MeterRegistry registry() {
        return meters;
    }

    @Override
    public void close() {
        gc.close();
        meters.close();
        prometheus.close();
        jmx.close();
    }
}
