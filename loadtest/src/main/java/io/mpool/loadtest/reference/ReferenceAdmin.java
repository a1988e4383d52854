package io.mpool.loadtest.reference;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.mpool.server.admin.JvmStats;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;

/**
 * The few figures of mpool's {@code /admin/pools} that the comparison reads (requests served, the
 * JVM's allocated heap bytes and GCs), served by the reference server on its own port from the
 * JDK's small HTTP server, so heap bytes per request can be compared with stock Undertow too.
 * Pools and arena pages are always 0: there are none.
 */
final class ReferenceAdmin {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReferenceAdmin() {
    }

    static HttpServer start(int port, LongAdder requests) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/admin/pools", exchange -> {
            ObjectNode root = JSON.createObjectNode();
            root.putObject("totals").put("requests", requests.sum()).put("poolsLive", 0);
            root.putObject("arena").put("pagesInUse", 0).put("reservedBytes", 0);
            root.set("jvm", JSON.valueToTree(JvmStats.now()));
            byte[] body = JSON.writeValueAsBytes(root);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    static String describe(int port) {
        return "admin http://127.0.0.1:" + port + "/admin/pools";
    }
}
