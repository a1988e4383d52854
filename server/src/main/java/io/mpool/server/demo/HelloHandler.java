package io.mpool.server.demo;

import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /hello}: {@code hello\n}, text/plain.
 *
 * <p>Undertow writes a response body from the buffer it is given, moving that buffer's position,
 * so one shared buffer cannot be handed to every response: each needs a view of its own. And
 * Undertow's response conduit keeps the last buffer it wrote in its gather array until the
 * connection's next response, so a view made per response stays on every idle connection (64
 * bytes of heap each). Instead each thread reuses one view for the responses it sends one after
 * another: a view is handed out again only once Undertow has written all of it (the send's
 * callback ran, or the exchange is over), after which Undertow never reads it again (the gather
 * array's slot is overwritten before its next write). A response sent while the thread's view is
 * still being written (a slow client) gets a view of its own.
 */
public final class HelloHandler implements HttpHandler {
    private static final ByteBuffer HELLO = ByteBuffer.allocateDirect(6)
            .put("hello\n".getBytes(StandardCharsets.US_ASCII)).flip().asReadOnlyBuffer();
    private static final ThreadLocal<ReusedView> VIEWS = ThreadLocal.withInitial(ReusedView::new);

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
        ReusedView view = VIEWS.get();
        if (view.take(exchange)) {
            exchange.setResponseContentLength(HELLO.remaining()); // Undertow sets it only with its own callback
            exchange.getResponseSender().send(view.buffer.clear(), view);
        } else {
            exchange.getResponseSender().send(HELLO.duplicate());
        }
    }

    /** One thread's view of {@link #HELLO}, and the exchange whose response is being written from it. */
    private static final class ReusedView implements IoCallback {
        private static final VarHandle WRITER;

        static {
            try {
                WRITER = MethodHandles.lookup().findVarHandle(ReusedView.class, "writer", HttpServerExchange.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final ByteBuffer buffer = HELLO.duplicate();
        /**
         * The exchange being answered from the view, null once written. Set by the thread that owns
         * the view, cleared by the one that finished the write (the connection's IO thread: another
         * one when the handler ran on a worker), with release and acquire (plain stores and loads
         * on x86: no fence per response). A connection that closes mid-write never runs the
         * callback; its exchange is then over, and the view free again.
         */
        private HttpServerExchange writer;

        /** Whether the view is free: then it is {@code exchange}'s until the write's callback runs. */
        boolean take(HttpServerExchange exchange) {
            HttpServerExchange last = (HttpServerExchange) WRITER.getAcquire(this);
            if (last != null && !last.isResponseComplete()) {
                return false;
            }
            writer = exchange;
            return true;
        }

        @Override
        public void onComplete(HttpServerExchange exchange, Sender sender) {
            WRITER.setRelease(this, null);
            IoCallback.END_EXCHANGE.onComplete(exchange, sender);
        }

        @Override
        public void onException(HttpServerExchange exchange, Sender sender, IOException exception) {
            WRITER.setRelease(this, null);
            IoCallback.END_EXCHANGE.onException(exchange, sender, exception);
        }
    }
}
