package io.mpool.server.demo;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.mpool.server.BodyView;
import io.mpool.server.RequestBody;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.logging.Logger;

/**
 * {@code POST /json}: reads the whole body ({@link RequestBody}), runs Jackson's streaming parser
 * over {@link BodyView#inputStream()} and answers {@code {"bytes":N,"fields":F,"depth":D}}: the
 * body's size, the number of object fields, the deepest nesting of objects and arrays. Anything
 * but exactly one JSON value (bad grammar, bad encoding) gets 400 with a short reason; only a
 * failure to read the stored body is a 500. A small body in memory is parsed on the IO thread;
 * a larger one (past {@link #PARSE_ON_IO_THREAD_MAX}) or one in a temp file (disk reads) on a
 * worker thread, so that one client's big document never stalls the other connections of its
 * IO thread.
 */
final class JsonHandler implements HttpHandler {
    /**
     * The largest body parsed on the IO thread. Jackson's streaming parser reads a few hundred MB
     * a second, so 64 KB costs the IO thread well under a millisecond, about what its other
     * connections notice; past it, the few microseconds of a dispatch to a worker are the smaller
     * cost (measured before this limit: four clients sending 1 MB bodies moved {@code /hello}'s
     * median from 0.56 to 24 ms).
     */
    static final long PARSE_ON_IO_THREAD_MAX = 64 * 1024;
    private static final JsonFactory JSON = JsonFactory.builder().build();
    /** The first line of Jackson's message is the reason; the rest quotes the input. */
    private static final int MAX_REASON = 160;
    /** A client's malformed body is its own error: one line now and then, never a stack trace. */
    private static final ClientErrorLog CLIENT_ERRORS = new ClientErrorLog(
            Logger.getLogger(JsonHandler.class.getName()), "malformed JSON");

    /** Told where each parse runs: for a test, which cannot otherwise see the thread. */
    interface ParseObserver {
        void parsing(BodyView body, boolean onIoThread);
    }

    private final ParseObserver observer;

    JsonHandler() {
        this((body, onIoThread) -> { });
    }

    JsonHandler(ParseObserver observer) {
        this.observer = observer;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        RequestBody.read(exchange, (ex, body) -> {
            if (body.inMemory() && body.size() <= PARSE_ON_IO_THREAD_MAX) {
                answer(ex, body);
            } else {
                ex.dispatch(() -> answer(ex, body));
            }
        });
    }

    private void answer(HttpServerExchange exchange, BodyView body) {
        observer.parsing(body, exchange.isInIoThread());
        String json;
        try (InputStream in = new BodyStream(body.inputStream()); JsonParser parser = JSON.createParser(in)) {
            json = JsonCounts.of(parser).answer(body.size());
        } catch (BodyReadFailedException e) {
            Responses.text(exchange, 500, "could not read the request body");
            return;
        } catch (IOException e) {
            // Everything else the parser throws is about the bytes it was sent: the grammar
            // (JsonProcessingException), or the encoding (CharConversionException for an invalid
            // UTF-32 code point, which is not a JsonProcessingException).
            String reason = reason(e);
            CLIENT_ERRORS.log(exchange.getSourceAddress() + ": " + reason);
            Responses.text(exchange, 400, "malformed JSON: " + reason);
            return;
        }
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(ByteBuffer.wrap(json.getBytes(StandardCharsets.US_ASCII)));
    }

    private static String reason(IOException e) {
        String message = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
        message = message == null ? e.getClass().getSimpleName() : message.lines().findFirst().orElse("");
        if (message.length() > MAX_REASON) {
            message = message.substring(0, MAX_REASON) + "...";
        }
        return message + (e instanceof JsonProcessingException json && json.getLocation() != null
                ? " at offset " + json.getLocation().getByteOffset() : "");
    }

    /** The body's stream, its own failures told apart from the parser's: those are the server's (500). */
    private static final class BodyStream extends FilterInputStream {
        BodyStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                throw new BodyReadFailedException(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw new BodyReadFailedException(e);
            }
        }
    }

    private static final class BodyReadFailedException extends IOException {
        private static final long serialVersionUID = 1L;

        BodyReadFailedException(IOException cause) {
            super(cause);
        }
    }
}
