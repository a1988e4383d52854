package io.mpool.server;

import io.mpool.server.config.ServerConfig;
import io.mpool.server.connection.ConnectionRegistry;
import io.mpool.server.demo.Routes;
import io.mpool.server.stats.ServerMetric;
import io.undertow.server.HttpHandler;

/**
 * Test access to what the public API keeps inside: a server made from a whole {@link ServerConfig}
 * (the tests' settings records), the checked settings of a builder, a server's counters and registry.
 */
public final class TestServers {
    private TestServers() {
    }

    /** A server running the demo application with {@code config}, not started. */
    public static MpoolServer demo(ServerConfig config) {
        return MpoolServer.create(config, new Routes(null));
    }

    /** A server running {@code handler} with {@code config}, not started. */
    public static MpoolServer of(ServerConfig config, HttpHandler handler) {
        return MpoolServer.create(config, handler);
    }

    /** What {@code builder.build()} would run with (throws what build() throws for a bad setting). */
    public static ServerConfig config(MpoolServerBuilder builder) {
        return builder.config();
    }

    public static ServerMetric stats(MpoolServer server) {
        return server.stats();
    }

    public static ConnectionRegistry registry(MpoolServer server) {
        return server.registry();
    }
}
