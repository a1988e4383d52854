package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mpool.mempool.ArenaLeakCheck;
import io.mpool.server.admin.AdminHandler;
import io.mpool.server.config.Http2Settings;
import io.mpool.server.config.ServerConfig;
import io.mpool.server.config.TlsSettings;
import io.mpool.server.connection.ConnectionRegistry;
import io.mpool.server.demo.Routes;
import io.mpool.testing.Await;
import io.undertow.server.HttpHandler;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a server on ephemeral loopback ports before each test and, after it, waits (bounded)
 * for every connection's pool to be destroyed, then fails the test if any pool is still live or
 * any arena page is outstanding.
 */
public final class ServerFixture implements BeforeEachCallback, AfterEachCallback {
    public static final Duration SETTLE = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Startup lines for every test drown the report; warnings still show. Held: JUL keeps loggers weakly. */
    private static final Logger SERVER_LOG = warningsOnly(Logger.getLogger(MpoolServer.class.getName()));
    private static final Logger XNIO_LOG = warningsOnly(Logger.getLogger("org.xnio"));

    private static Logger warningsOnly(Logger logger) {
        logger.setLevel(Level.WARNING);
        return logger;
    }

    private final UnaryOperator<ServerConfig> customize;
    private final UnaryOperator<HttpHandler> wrapRoutes;
    private final ArenaLeakCheck leaks = new ArenaLeakCheck().withGrace(SETTLE);
    private final HttpClient admin = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private MpoolServer server;
    /** The HTTPS listener's settings, or null: none. */
    private TlsSettings tls;
    /** HTTP/2's settings, or null: the defaults for the server's config. */
    private Http2Settings http2;
    private Duration adminPageWindow = AdminHandler.DEFAULT_PAGE_WINDOW;

    public ServerFixture() {
        this(UnaryOperator.identity());
    }

    public ServerFixture(UnaryOperator<ServerConfig> customize) {
        this(customize, UnaryOperator.identity());
    }

    /** {@code wrapRoutes} puts a test's own handlers in front of the demo application's routes. */
    public ServerFixture(UnaryOperator<ServerConfig> customize, UnaryOperator<HttpHandler> wrapRoutes) {
        this.customize = customize;
        this.wrapRoutes = wrapRoutes;
    }

    /** Adds an HTTPS listener on a free loopback port. */
    public ServerFixture withTls(TlsSettings settings) {
        this.tls = settings;
        return this;
    }

    /** Admin pages built at most once per {@code window} instead of the default (the builder's {@code setAdminPageWindow}). */
    public ServerFixture withAdminPageWindow(Duration window) {
        this.adminPageWindow = window;
        return this;
    }

    /** HTTP/2 with {@code settings} instead of the defaults. */
    public ServerFixture withHttp2(Http2Settings settings) {
        this.http2 = settings;
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        ServerConfig config = customize.apply(ServerConfig.defaults(0, 0));
        server = new MpoolServer(config, tls, http2 != null ? http2 : Http2Settings.defaults(config.limits().maxHeaderSize()),
                wrapRoutes.apply(new Routes(null)), Duration.ofSeconds(10), adminPageWindow).start();
        leaks.track(server.arena());
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            awaitNoLivePools();
            leaks.afterEach(context);
            ServerTotals totals = server.totals();
            assertEquals(totals.poolsCreated(), totals.poolsDestroyed(), "pools created = destroyed: " + totals);
        } finally {
            server.stop(Duration.ofSeconds(2));
        }
    }

    public void awaitNoLivePools() {
        Await.until("no live pool after the test's connections closed", SETTLE,
                () -> server.registry().pools().stream().map(c -> c.summary()).toList(), List::isEmpty);
    }

    /** Arena blocks handed out and not yet given back. */
    public long outstandingBlocks() {
        return server.arena().stats().outstandingBlocks();
    }

    /**
     * Waits until the registry is empty and the arena's blocks are back to {@code outstandingBefore}:
     * closed connections torn down, with or without a sweep ({@code what} names them in the failure).
     */
    public void awaitTornDown(long outstandingBefore, String what) {
        Await.until(what + ": the registry to forget them and their pages to come back",
                SETTLE, () -> registry().size() + " connections, " + outstandingBlocks() + " blocks out (before: "
                        + outstandingBefore + ")",
                seen -> registry().size() == 0 && outstandingBlocks() == outstandingBefore);
    }

    /**
     * Waits (bounded) until every pool ever created is destroyed and none is live: connections
     * reset while still in the accept queue can be accepted after the registry first reads empty.
     */
    public ServerTotals awaitAllPoolsDestroyed() {
        return Await.until("every pool created to be destroyed and none live", SETTLE, server::totals,
                totals -> totals.poolsCreated() == totals.poolsDestroyed() && server.registry().size() == 0);
    }

    /**
     * Waits until the server has read everything {@code client} sent (its side of the socket has
     * nothing unread), or closed it: then what the request pins in the arena is pinned. What a
     * test that fills the arena with held uploads waits for after each.
     */
    public void awaitReadByServer(Socket client) {
        Await.until("the server to read all that client port " + client.getLocalPort() + " sent, or close it",
                SETTLE, () -> new Sides(TcpState.of(client.getLocalPort(), port()), TcpState.of(port(), client.getLocalPort())),
                sides -> sides.server() == null || sides.client() == null
                        || sides.client().txQueue() == 0 && sides.server().rxQueue() == 0);
    }

    /** Both ends of one loopback connection; the server's is null once it closed. */
    private record Sides(TcpState client, TcpState server) {
    }

    public MpoolServer server() {
        return server;
    }

    public int port() {
        return server.port();
    }

    /** The main listener's connections, for tests of the connection package (the server's getter is package-private). */
    public ConnectionRegistry registry() {
        return server.registry();
    }

    public RawHttp connect() throws IOException {
        return new RawHttp(server.port());
    }

    /** A raw socket to the main listener, reads timing out after {@code timeoutMillis}. */
    public Socket socket(int timeoutMillis) throws IOException {
        return RawHttp.socket(server.port(), timeoutMillis);
    }

    /**
     * {@code GET path} on the admin listener, its status and JSON, asking for a fresh answer ({@code Cache-Control:
     * no-cache}: a page built after the request arrived, never one reused from before it).
     */
    public AdminAnswer admin(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort() + path))
                .header("Cache-Control", "no-cache").timeout(Duration.ofSeconds(10));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = admin.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new AdminAnswer(response.statusCode(), response.body(), JSON.readTree(response.body()));
    }

    public record AdminAnswer(int status, String body, JsonNode json) {
    }
}
