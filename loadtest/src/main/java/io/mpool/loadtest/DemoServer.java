package io.mpool.loadtest;

import io.mpool.server.MpoolServer;
import io.mpool.server.MpoolServerBuilder;
import io.mpool.server.demo.Routes;
import java.io.IOException;

/** The demo application on an mpool server of the load tests' own: loopback, ephemeral ports, admin on. */
public final class DemoServer {
    private DemoServer() {
    }

    /** The builder with the listeners set, for settings of a test's own. */
    public static MpoolServerBuilder builder() {
        return MpoolServer.builder()
                .addHttpListener(0, "127.0.0.1")
                .setHandler(new Routes(null))
                .setAdminListener(0, "127.0.0.1", null);
    }

    /** A started server with every other setting at its default. */
    public static MpoolServer start() throws IOException {
        return builder().build().start();
    }
}
