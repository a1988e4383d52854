package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.connection.Http2Connections;
import io.mpool.server.transport.AbandonedResponseBuffer;
import io.mpool.server.transport.AcceptRecovery;
import io.mpool.server.transport.HttpConnections;
import io.undertow.Undertow;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.xnio.OptionMap;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/**
 * What the server reaches inside Undertow and XNIO (package-private classes, private fields) is
 * there in the versions it is built with. Each check is what the server runs at start, so after a
 * dependency update this test names what moved before any connection would find out.
 */
class UndertowInternalsTest {
    private static final Logger LOG = Logger.getLogger(UndertowInternalsTest.class.getName());

    @Test
    void http11SetUpAndTheAbandonedResponseBufferAreReachable() {
        HttpConnections.check();
        AbandonedResponseBuffer.check();
    }

    @Test
    void http2TlsSessionViewIsReachable() {
        Http2Connections.check();
    }

    /** The one that degrades to a warning instead of failing start: so it is checked here. */
    @Test
    void xniosAcceptBackOffIsReachable() throws IOException {
        XnioWorker worker = Xnio.getInstance(Undertow.class.getClassLoader()).createWorker(OptionMap.EMPTY);
        try (AcceptingChannel<StreamConnection> listener = worker.createStreamConnectionServer(
                new InetSocketAddress("127.0.0.1", 0), channel -> { }, OptionMap.EMPTY);
             AcceptRecovery recovery = AcceptRecovery.install(List.of(listener), LOG)) {
            assertTrue(recovery.active(), "AcceptRecovery found no accept handle of " + listener.getClass().getName());
        } finally {
            worker.shutdownNow();
        }
    }
}
