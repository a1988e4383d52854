package io.mpool.server.admin;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.mpool.server.config.OptionConverters;
import io.mpool.server.config.ServerConfig;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.SameThreadExecutor;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;

/**
 * The admin pages that cost a walk over every connection or every meter ({@code /metrics},
 * {@code /admin/pools} and its pages), each built at most once per window however many clients
 * ask ({@link CachedPage}), on the admin worker's task thread, and counted
 * ({@code mpool_admin_page_builds_total}, {@code mpool_admin_page_answers_total}).
 *
 * <p>A page reused from an earlier build says how old it is in {@code Age} (whole seconds, RFC
 * 9111 section 5.1); {@code /admin/pools} also carries {@code atEpochMillis}, when it was built.
 * A request with {@code Cache-Control: no-cache} (or {@code Pragma: no-cache}) gets a page built
 * after it arrived: what a script that just did something and wants to see it asks for.
 */
final class AdminPages {
    /**
     * How often a page may be built ({@link ServerConfig#DEFAULT_ADMIN_PAGE_WINDOW}): at 5,000
     * connections one {@code /admin/pools} build is ~2 MB of JSON and ~7 MB of garbage.
     */
    static final Duration DEFAULT_WINDOW = OptionConverters.interval(ServerConfig.DEFAULT_ADMIN_PAGE_WINDOW);
    /** Pages (paths and queries) kept: the live view's few sorts and offsets fit many times. */
    static final int MAX_PAGES = 64;

    /** The pages counted apart, as the meters' {@code page} tag names them. */
    enum Kind {
        /** {@code /admin/pools}: every connection. */
        POOLS,
        /** {@code /admin/pools?sort=&order=&offset=&limit=}: a page of them. */
        POOLS_PAGE,
        /** {@code /metrics}. */
        METRICS;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The last build sequence each page key was sent on a connection. */
    private static final AttachmentKey<Map<String, Long>> SENT = AttachmentKey.create(Map.class);

    private final long windowNanos;
    private final AtomicLong sequences = new AtomicLong();
    private final LongAdder[] builds = new LongAdder[Kind.values().length];
    private final LongAdder[] answers = new LongAdder[Kind.values().length];
    /** Least recently asked first; the eldest is dropped past {@link #MAX_PAGES}. Guarded by itself. */
    private final Map<String, CachedPage> pages = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CachedPage> eldest) {
            return size() > MAX_PAGES; // a build it is waiting for still answers its requests
        }
    };

    AdminPages(Duration window) {
        if (window == null || window.isNegative()) {
            throw new IllegalArgumentException("--admin-page-window=" + window + " (expected: >= 0)");
        }
        this.windowNanos = window.toNanos();
        for (Kind kind : Kind.values()) {
            builds[kind.ordinal()] = new LongAdder();
            answers[kind.ordinal()] = new LongAdder();
        }
    }

    /** The builds and answers counters, by page, on {@code meters}. */
    void bindTo(MeterRegistry meters) {
        for (Kind kind : Kind.values()) {
            FunctionCounter.builder("mpool.admin.page.builds", builds[kind.ordinal()], LongAdder::sum)
                    .tag("page", kind.tag())
                    .description("Admin pages built (at most one build of a page at a time and one per"
                            + " --admin-page-window); answers beyond builds reused a build")
                    .register(meters);
            FunctionCounter.builder("mpool.admin.page.answers", answers[kind.ordinal()], LongAdder::sum)
                    .tag("page", kind.tag()).description("Admin pages answered, built for the request or reused")
                    .register(meters);
        }
    }

    /** Builds of {@code kind} so far. */
    long builds(Kind kind) {
        return builds[kind.ordinal()].sum();
    }

    /**
     * Answers {@code exchange} with page {@code key} of {@code kind}: at once from an earlier build
     * when it may be reused, else after the build it waits for. {@code build} runs on the admin
     * worker's task thread.
     */
    void answer(HttpServerExchange exchange, Kind kind, String key, Supplier<CachedPage.Body> build) {
        CachedPage page = page(exchange, kind, key, build);
        boolean fresh = asksNoCache(exchange);
        // Dispatched, so the exchange stays open after the handler returns; the page (reused or
        // built) is sent on the exchange's IO thread.
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> {
            CachedPage.Page reused = page.request(lastSent(exchange.getConnection(), key), fresh,
                    built -> exchange.getIoThread().execute(() -> send(exchange, kind, key, built, false)));
            if (reused != null) {
                send(exchange, kind, key, reused, true);
            }
        });
    }

    private CachedPage page(HttpServerExchange exchange, Kind kind, String key, Supplier<CachedPage.Body> build) {
        XnioWorker worker = exchange.getConnection().getWorker();
        XnioIoThread timer = exchange.getIoThread();
        synchronized (pages) {
            return pages.computeIfAbsent(key, k -> new CachedPage(k, windowNanos, System::nanoTime,
                    CachedPage::threadCpuNanos, sequences::incrementAndGet, build, (task, delayNanos) -> {
                        if (delayNanos <= 0) {
                            worker.execute(task);
                        } else {
                            timer.executeAfter(() -> worker.execute(task), delayNanos, TimeUnit.NANOSECONDS);
                        }
                    }, builds[kind.ordinal()]::increment));
        }
    }

    private void send(HttpServerExchange exchange, Kind kind, String key, CachedPage.Page page, boolean reused) {
        if (exchange.isResponseStarted() || !exchange.getConnection().isOpen()) {
            return; // the client went away (or a timeout answered) while it waited for the build
        }
        if (page.status() == 200) {
            Map<String, Long> sent = exchange.getConnection().getAttachment(SENT);
            if (sent == null || sent.size() >= MAX_PAGES) {
                sent = new HashMap<>();
                exchange.getConnection().putAttachment(SENT, sent);
            }
            sent.put(key, page.sequence());
        }
        answers[kind.ordinal()].increment();
        exchange.setStatusCode(page.status());
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, page.body().contentType());
        if (reused) {
            exchange.getResponseHeaders().put(Headers.AGE,
                    TimeUnit.NANOSECONDS.toSeconds(Math.max(0, System.nanoTime() - page.startNanos())));
        }
        exchange.getResponseSender().send(ByteBuffer.wrap(page.body().bytes()));
    }

    private static long lastSent(ServerConnection connection, String key) {
        Map<String, Long> sent = connection.getAttachment(SENT);
        Long sequence = sent == null ? null : sent.get(key);
        return sequence == null ? 0 : sequence;
    }

    /** {@code Cache-Control: no-cache} (or {@code max-age=0}), or {@code Pragma: no-cache} (RFC 9111 section 5.2.1). */
    private static boolean asksNoCache(HttpServerExchange exchange) {
        HeaderValues control = exchange.getRequestHeaders().get(Headers.CACHE_CONTROL);
        if (control != null) {
            for (String value : control) {
                for (String directive : value.split(",")) {
                    String d = directive.trim().toLowerCase(Locale.ROOT);
                    if (d.equals("no-cache") || d.startsWith("no-cache=") || d.equals("max-age=0")) {
                        return true;
                    }
                }
            }
        }
        String pragma = exchange.getRequestHeaders().getFirst(Headers.PRAGMA);
        return pragma != null && pragma.toLowerCase(Locale.ROOT).contains("no-cache");
    }
}
