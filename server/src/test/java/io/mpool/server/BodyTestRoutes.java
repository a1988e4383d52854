package io.mpool.server;

import io.mpool.server.body.BodyLimits;
import io.mpool.server.body.SpillFiles;
import io.mpool.server.demo.Responses;
import io.undertow.server.HttpHandler;
import io.undertow.util.SameThreadExecutor;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Handlers a test puts in front of the server's routes to use {@link RequestBody} the way an
 * application would: {@code POST /test/throw} throws from its callback; {@code POST /test/retain}
 * retains the body, hands it to the test (as a worker would get it) and answers 202 at once;
 * {@code POST /test/release-unretained} calls {@code release()} without a retain and answers
 * what that did and whether the body was still readable after it;
 * {@code POST /test/gated} starts reading its body only when the test completes {@link #gate}, on
 * the IO thread, after that thread has run {@link #beforeRead}; {@code POST /test/full-disk} reads
 * with temp files on a full disk. Every {@code /hello} and every
 * body read by {@code /test/gated} is noted in {@link #events}, in the order the server saw them.
 */
final class BodyTestRoutes implements UnaryOperator<HttpHandler> {
    private final Supplier<MpoolServer> server;
    /** Bodies retained by /test/retain, for the test to read and release. */
    final BlockingQueue<BodyView> retained = new LinkedBlockingQueue<>();
    /** What the server did, in order: {@code hello}, {@code gated waiting}, {@code body N}. */
    final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
    /** Opens {@code /test/gated}'s read. */
    final CompletableFuture<Void> gate = new CompletableFuture<>();
    /** Run on the IO thread just before {@code /test/gated} starts reading. */
    volatile Runnable beforeRead = () -> { };

    BodyTestRoutes(Supplier<MpoolServer> server) {
        this.server = server;
    }

    /** The server's body limits, with every temp file written to {@code /dev/full} (each write: ENOSPC). */
    private BodyLimits fullDisk() {
        BodyLimits limits = server.get().bodyLimits();
        return new BodyLimits(limits.inMemoryMax(), limits.tempDir(), new SpillFiles(server.get().counters(), 0,
                path -> FileChannel.open(Path.of("/dev/full"), StandardOpenOption.READ, StandardOpenOption.WRITE)),
                limits.memory());
    }

    @Override
    public HttpHandler apply(HttpHandler next) {
        return exchange -> {
            switch (exchange.getRequestPath()) {
                case "/test/throw" -> RequestBody.read(exchange, server.get().bodyLimits(), (ex, body) -> {
                    throw new IllegalStateException("handler fails on purpose after reading " + body.size() + " bytes");
                });
                case "/test/retain" -> RequestBody.read(exchange, server.get().bodyLimits(), (ex, body) -> {
                    retained.add(body.retain());
                    Responses.text(ex, 202, "retained " + body.size() + " bytes");
                });
                case "/test/release-unretained" -> RequestBody.read(exchange, server.get().bodyLimits(), (ex, body) -> {
                    String refused;
                    try {
                        body.release();
                        refused = "released";
                    } catch (IllegalStateException e) {
                        refused = e.getMessage();
                    }
                    byte[] first = new byte[3];
                    int read = body.inputStream().read(first); // still the request's: readable
                    Responses.text(ex, 200, refused + "\nread " + read + " bytes after it");
                });
                case "/test/gated" -> {
                    events.add("gated waiting");
                    exchange.dispatch(SameThreadExecutor.INSTANCE, () -> gate.thenRun(() -> exchange.getIoThread()
                            .execute(() -> {
                                beforeRead.run();
                                RequestBody.read(exchange, server.get().bodyLimits(), (ex, body) -> {
                                    events.add("body " + body.size());
                                    Responses.text(ex, 200, "read " + body.size() + " bytes");
                                });
                            })));
                }
                case "/test/full-disk" -> RequestBody.read(exchange, fullDisk(), (ex, body) ->
                        Responses.text(ex, 200, "stored " + body.size() + " bytes"));
                case "/hello" -> {
                    events.add("hello");
                    next.handleRequest(exchange);
                }
                default -> next.handleRequest(exchange);
            }
        };
    }
}
