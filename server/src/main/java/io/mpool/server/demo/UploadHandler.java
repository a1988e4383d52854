package io.mpool.server.demo;

import io.mpool.server.RequestRegion;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * {@code POST /upload}: streams a body of any size through one pool buffer and answers
 * {@code {"bytes":N,"crc32":"<8 hex digits>"}}. The answer is built in the request region.
 */
public final class UploadHandler implements HttpHandler {
    /** Room for {"bytes":<19 digits>,"crc32":"<8 hex>"}\n. */
    private static final int ANSWER_CAPACITY = 64;

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        CRC32 crc = new CRC32();
        long[] bytes = {0};
        BodyReader.start(exchange, new BodyReader.Consumer() {
            @Override
            public void chunk(ByteBuffer data) {
                bytes[0] += data.remaining();
                crc.update(data);
            }

            @Override
            public void done(HttpServerExchange ex) {
                String json = "{\"bytes\":" + bytes[0] + ",\"crc32\":\"" + String.format("%08x", crc.getValue()) + "\"}\n";
                ByteBuffer answer = RequestRegion.allocate(ex, ANSWER_CAPACITY);
                answer.put(json.getBytes(StandardCharsets.US_ASCII)).flip();
                ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                ex.getResponseSender().send(answer);
            }
        });
    }
}
