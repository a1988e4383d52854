package io.mpool.loadtest.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A protocol error is named with what the server sent, short and on one line. */
class ProtocolErrorPreviewTest {

    @Test
    void showsTheBytesLeftFromThePositionWithLineEndsEscaped() {
        ByteBuffer buffer = ByteBuffer.wrap("xxHTTP/1.1 408 Request Timeout\r\n".getBytes(StandardCharsets.US_ASCII));
        buffer.position(2);
        assertEquals("\"HTTP/1.1 408 Request Timeout\\r\\n\"", LoadWorker.preview(buffer));
        assertEquals(2, buffer.position(), "the buffer is only looked at");
    }

    @Test
    void cutsLongTextAndMasksBytesThatAreNotPrintable() {
        String shown = LoadWorker.preview("\u0001" + "a".repeat(100));
        assertEquals("\"?" + "a".repeat(LoadWorker.PREVIEW_CHARS - 1) + "...\"", shown);
    }
}
