package io.mpool.loadtest.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseParserTest {

    @Test
    void fixedLengthResponsesParseWhateverTheSplits() {
        String response = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nContent-Type: text/plain\r\n\r\nhello\n";
        byte[] bytes = response.getBytes(StandardCharsets.US_ASCII);
        for (int split = 1; split < bytes.length; split++) {
            ResponseParser parser = new ResponseParser();
            parser.expect("hello\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(ResponseParser.Result.NEED_MORE, parser.parse(ByteBuffer.wrap(bytes, 0, split), true), "split " + split);
            ByteBuffer rest = ByteBuffer.wrap(bytes, split, bytes.length - split);
            assertEquals(ResponseParser.Result.COMPLETE, parser.parse(rest, true), "split " + split);
            assertEquals(200, parser.status());
            assertFalse(parser.mismatch());
        }
    }

    @Test
    void chunkedResponsesAndPipelinedNeighbours() {
        String two = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;x=y\r\n, w\r\n0\r\n\r\n"
                + "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        ByteBuffer buffer = ByteBuffer.wrap(two.getBytes(StandardCharsets.US_ASCII));
        ResponseParser parser = new ResponseParser();
        parser.expect("hello, w".getBytes(StandardCharsets.US_ASCII));
        assertEquals(ResponseParser.Result.COMPLETE, parser.parse(buffer, true));
        assertFalse(parser.mismatch());
        parser.reset();
        parser.expect(new byte[0]);
        assertEquals(ResponseParser.Result.COMPLETE, parser.parse(buffer, true));
        assertEquals(404, parser.status());
        assertTrue(parser.closeAfter());
        assertFalse(buffer.hasRemaining());
    }

    @Test
    void aBodyThatDiffersIsAMismatch() {
        ResponseParser parser = new ResponseParser();
        parser.expect("hello\n".getBytes(StandardCharsets.US_ASCII));
        parser.parse(ByteBuffer.wrap("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhellX\n".getBytes(StandardCharsets.US_ASCII)), true);
        assertTrue(parser.mismatch());
        ResponseParser shorter = new ResponseParser();
        shorter.expect("hello\n".getBytes(StandardCharsets.US_ASCII));
        shorter.parse(ByteBuffer.wrap("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".getBytes(StandardCharsets.US_ASCII)), true);
        assertTrue(shorter.mismatch(), "a short body is a mismatch too");
    }

    @Test
    void somethingThatIsNotHttpIsRefused() {
        ResponseParser parser = new ResponseParser();
        assertThrows(IllegalStateException.class,
                () -> parser.parse(ByteBuffer.wrap("SSH-2.0-OpenSSH\r\n".getBytes(StandardCharsets.US_ASCII)), false));
    }

    @Test
    void aNegativeContentLengthIsRefusedNotTakenForChunked() {
        ResponseParser parser = new ResponseParser();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> parser.parse(ByteBuffer.wrap(
                "HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\n5\r\nhello\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)), false));
        assertEquals("negative Content-Length: -2", e.getMessage());
    }
}
