package io.mpool.server;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A small HTTP/2 client for tests, frame by frame over a plain socket (h2c with prior knowledge):
 * well-formed requests and the malformed or hostile sequences an attacker sends (rapid reset,
 * CONTINUATION floods, DATA after END_STREAM). Header blocks are HPACK literals without indexing
 * (no Huffman, no dynamic table), which every decoder must take; responses are read frame by
 * frame, their status from HPACK's static table (what Undertow sends for common statuses).
 */
final class H2Frames implements AutoCloseable {
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int WINDOW_UPDATE = 0x8;
    static final int CONTINUATION = 0x9;
    static final int END_STREAM = 0x1;
    static final int ACK = 0x1;
    static final int END_HEADERS = 0x4;
    static final int PADDED = 0x8;
    static final int NO_ERROR = 0x0;
    static final int PROTOCOL_ERROR = 0x1;
    static final int FLOW_CONTROL_ERROR = 0x3;
    static final int STREAM_CLOSED = 0x5;
    static final int COMPRESSION_ERROR = 0x9;
    /** The initial flow-control window of a peer that announces none (RFC 9113, 6.9.2). */
    static final int DEFAULT_WINDOW = 65_535;
    static final int ENHANCE_YOUR_CALM = 0xb;
    static final int REFUSED_STREAM = 0x7;
    static final int CANCEL = 0x8;
    /** HPACK's static table entries for :status (RFC 7541, Appendix A), as indexed header fields. */
    private static final Map<Integer, Integer> STATUS_BY_INDEX = Map.of(8, 200, 9, 204, 10, 206, 11, 304, 12, 400,
            13, 404, 14, 500);

    /** One frame as read: type, flags, stream, payload. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        int errorCode() {
            int at = type == GOAWAY ? 4 : 0;
            return (payload[at] & 0xff) << 24 | (payload[at + 1] & 0xff) << 16 | (payload[at + 2] & 0xff) << 8
                    | payload[at + 3] & 0xff;
        }
    }

    /** A stream's response: its status (-1: not one from the static table) and body. */
    record Response(int status, byte[] body) {
    }

    private static final Duration AWAIT = Duration.ofSeconds(20);
    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    /** Connects to {@code port}, sends the preface and empty SETTINGS. */
    H2Frames(int port, int readTimeoutMillis) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(readTimeoutMillis);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
        out.write(PREFACE);
        frame(SETTINGS, 0, 0, new byte[0]);
    }

    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        out.write(header(type, flags, stream, payload.length));
        out.write(payload);
        out.flush();
    }

    /** Bytes as they are: frames built by the caller, in one write. */
    void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    static byte[] header(int type, int flags, int stream, int length) {
        return new byte[] {(byte) (length >>> 16), (byte) (length >>> 8), (byte) length, (byte) type, (byte) flags,
                (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream};
    }

    /** A request header block: {@code method}, {@code path}, scheme http, authority, and {@code extra} name/value pairs. */
    static byte[] requestHeaders(String method, String path, String... extra) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        literal(block, ":method", method);
        literal(block, ":scheme", "http");
        literal(block, ":path", path);
        literal(block, ":authority", "localhost");
        for (int i = 0; i < extra.length; i += 2) {
            literal(block, extra[i], extra[i + 1]);
        }
        return block.toByteArray();
    }

    /** HPACK literal header field without indexing, new name (RFC 7541, 6.2.2), no Huffman. */
    static void literal(ByteArrayOutputStream block, String name, String value) {
        block.write(0x00);
        string(block, name.getBytes(StandardCharsets.ISO_8859_1));
        string(block, value.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** HPACK literal header field with incremental indexing, new name (RFC 7541, 6.2.1): into the dynamic table. */
    static void indexedLiteral(ByteArrayOutputStream block, String name, String value) {
        block.write(0x40);
        string(block, name.getBytes(StandardCharsets.ISO_8859_1));
        string(block, value.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void string(ByteArrayOutputStream block, byte[] bytes) {
        integer(block, 7, bytes.length);
        block.writeBytes(bytes);
    }

    /** HPACK's integer with an {@code prefixBits}-bit prefix (RFC 7541, 5.1), H bit clear. */
    private static void integer(ByteArrayOutputStream block, int prefixBits, int value) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            block.write(value);
            return;
        }
        block.write(max);
        value -= max;
        while (value >= 128) {
            block.write(value % 128 + 128);
            value /= 128;
        }
        block.write(value);
    }

    /** HEADERS with END_HEADERS, and END_STREAM when {@code endStream}. */
    void headers(int stream, byte[] block, boolean endStream) throws IOException {
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, block);
    }

    void data(int stream, byte[] bytes, boolean endStream) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, stream, bytes);
    }

    /** DATA with {@code padding} bytes of padding (PADDED: a pad length byte, the data, the padding). */
    void paddedData(int stream, byte[] bytes, int padding, boolean endStream) throws IOException {
        byte[] payload = new byte[1 + bytes.length + padding];
        payload[0] = (byte) padding;
        System.arraycopy(bytes, 0, payload, 1, bytes.length);
        frame(DATA, PADDED | (endStream ? END_STREAM : 0), stream, payload);
    }

    void rstStream(int stream, int code) throws IOException {
        frame(RST_STREAM, 0, stream, new byte[] {(byte) (code >>> 24), (byte) (code >>> 16), (byte) (code >>> 8),
                (byte) code});
    }

    void windowUpdate(int stream, int increment) throws IOException {
        frame(WINDOW_UPDATE, 0, stream, new byte[] {(byte) (increment >>> 24), (byte) (increment >>> 16),
                (byte) (increment >>> 8), (byte) increment});
    }

    /** The next frame, or null at end of stream; SETTINGS from the server are acknowledged. */
    Frame read() throws IOException {
        byte[] head = new byte[9];
        try {
            in.readFully(head);
        } catch (EOFException e) {
            return null;
        }
        int length = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | head[2] & 0xff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        Frame frame = new Frame(head[3] & 0xff, head[4] & 0xff,
                ((head[5] & 0x7f) << 24 | (head[6] & 0xff) << 16 | (head[7] & 0xff) << 8 | head[8] & 0xff), payload);
        if (frame.type() == SETTINGS && (frame.flags() & ACK) == 0) {
            try {
                frame(SETTINGS, ACK, 0, new byte[0]);
            } catch (IOException closed) {
                // the server may have closed already: its frames are still to be read
            }
        }
        return frame;
    }

    /** Reads until a frame of {@code type} comes; fails if the connection closes first. */
    Frame until(int type) throws IOException {
        for (Frame frame = read(); frame != null; frame = read()) {
            if (frame.type() == type) {
                return frame;
            }
        }
        throw new EOFException("connection closed before a frame of type " + type);
    }

    /** Reads until {@code stream} ends (END_STREAM or RST_STREAM), giving the window back as DATA comes. */
    Response response(int stream) throws IOException {
        Map<Integer, ByteArrayOutputStream> bodies = new HashMap<>();
        int status = -1;
        while (true) {
            Frame frame = read();
            if (frame == null) {
                throw new EOFException("connection closed before stream " + stream + " ended");
            }
            if (frame.stream() != stream) {
                if (frame.type() == GOAWAY) {
                    throw new IOException("GOAWAY " + frame.errorCode() + " before stream " + stream + " ended");
                }
                continue;
            }
            if (frame.type() == HEADERS && status == -1) {
                status = status(frame.payload());
            } else if (frame.type() == DATA) {
                bodies.computeIfAbsent(stream, s -> new ByteArrayOutputStream()).writeBytes(frame.payload());
                if (frame.payload().length > 0) {
                    windowUpdate(0, frame.payload().length);
                    windowUpdate(stream, frame.payload().length);
                }
            } else if (frame.type() == RST_STREAM) {
                throw new IOException("stream " + stream + " reset: " + frame.errorCode());
            }
            if ((frame.type() == HEADERS || frame.type() == DATA) && (frame.flags() & END_STREAM) != 0) {
                ByteArrayOutputStream body = bodies.get(stream);
                return new Response(status, body == null ? new byte[0] : body.toByteArray());
            }
        }
    }

    /** The status of a response header block whose first field is an indexed {@code :status}; else -1. */
    private static int status(byte[] block) {
        int first = block[0] & 0xff;
        return (first & 0x80) != 0 ? STATUS_BY_INDEX.getOrDefault(first & 0x7f, -1) : -1;
    }

    /**
     * Reads until the server closes: the GOAWAY it sent (null if none) and whether the connection
     * then closed; a read timeout counts as not closed.
     */
    Frame goAwayThenClose() throws IOException {
        Frame goAway = null;
        try {
            for (Frame frame = read(); frame != null; frame = read()) {
                if (frame.type() == GOAWAY && goAway == null) {
                    goAway = frame;
                }
            }
            return goAway;
        } catch (SocketTimeoutException e) {
            throw new IOException("the server did not close the connection (GOAWAY: "
                    + (goAway == null ? "none" : goAway.errorCode()) + ")", e);
        } catch (IOException e) {
            if (goAway != null) {
                return goAway; // a reset after the GOAWAY: closed all the same
            }
            throw e;
        }
    }

    /** Waits until {@code condition} holds, up to 20 s; fails naming {@code what}. */
    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + AWAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + AWAIT.toSeconds() + " s: " + what);
            }
            Thread.sleep(10);
        }
    }

    /** The client's socket (to end the connection some other way than {@link #close()}). */
    Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
