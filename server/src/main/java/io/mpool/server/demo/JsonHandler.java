package io.mpool.server.demo;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.mpool.server.BodyView;
import io.mpool.server.RequestBody;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * {@code POST /json}: reads the whole body ({@link RequestBody}), runs Jackson's streaming parser
 * over {@link BodyView#inputStream()} and answers {@code {"bytes":N,"fields":F,"depth":D}}: the
 * body's size, the number of object fields, the deepest nesting of objects and arrays. Anything
 * but exactly one JSON value gets 400 with a short reason. A body in memory is parsed on the IO
 * thread; one in a temp file on a worker thread (disk reads).
 */
final class JsonHandler implements HttpHandler {
    private static final JsonFactory JSON = JsonFactory.builder().build();
    /** The first line of Jackson's message is the reason; the rest quotes the input. */
    private static final int MAX_REASON = 160;

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        RequestBody.read(exchange, (ex, body) -> {
            if (body.inMemory()) {
                answer(ex, body);
            } else {
                ex.dispatch(() -> answer(ex, body));
            }
        });
    }

    private static void answer(HttpServerExchange exchange, BodyView body) {
        String json;
        try (InputStream in = body.inputStream(); JsonParser parser = JSON.createParser(in)) {
            json = JsonCounts.of(parser).answer(body.size());
        } catch (JsonProcessingException e) {
            Responses.text(exchange, 400, "malformed JSON: " + reason(e));
            return;
        } catch (IOException e) {
            Responses.text(exchange, 500, "could not read the request body");
            return;
        }
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(ByteBuffer.wrap(json.getBytes(StandardCharsets.US_ASCII)));
    }

    private static String reason(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        message = message == null ? e.getClass().getSimpleName() : message.lines().findFirst().orElse("");
        if (message.length() > MAX_REASON) {
            message = message.substring(0, MAX_REASON) + "...";
        }
        return message + (e.getLocation() == null ? "" : " at offset " + e.getLocation().getByteOffset());
    }
}
