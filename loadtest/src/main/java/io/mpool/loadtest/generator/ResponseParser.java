package io.mpool.loadtest.generator;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Parses HTTP/1.1 responses incrementally from a connection's read buffer: status line and
 * headers, then a body by Content-Length or chunks. With verification on, every body byte is
 * compared with what the request must get back.
 */
final class ResponseParser {
    /** A head larger than this is an error (our server's heads are ~150 bytes). */
    static final int MAX_HEAD = 16 * 1024;

    enum Result { NEED_MORE, COMPLETE }

    /** {@link #remaining} while a head is read: no Content-Length or chunked header seen yet. */
    private static final long LENGTH_NOT_GIVEN = -1;
    /** {@link #remaining} while a head is read: Transfer-Encoding: chunked seen. */
    private static final long LENGTH_CHUNKED = -2;

    private enum State { HEAD, FIXED, CHUNK_SIZE, CHUNK_DATA, CHUNK_CRLF, TRAILER }

    private State state = State.HEAD;
    private int status;
    private boolean closeAfter;
    /** Body bytes left (FIXED, CHUNK_DATA); while a head is read, its length or a sentinel above. */
    private long remaining;
    private byte[] expected;
    private int expectedOffset;
    private boolean mismatch;
    private final StringBuilder line = new StringBuilder();

    void expect(byte[] expectedBody) {
        this.expected = expectedBody;
        this.expectedOffset = 0;
        this.mismatch = false;
    }

    int status() {
        return status;
    }

    boolean closeAfter() {
        return closeAfter;
    }

    /** True if verification was on and the body differed (in bytes or length). */
    boolean mismatch() {
        return mismatch || (expected != null && expectedOffset != expected.length);
    }

    /**
     * Consumes bytes from {@code buffer} (between position and limit) until one response is
     * complete or the bytes run out. After COMPLETE, read {@link #status()} and call
     * {@link #reset()} before the next response.
     *
     * @throws IllegalStateException for a response that is not valid HTTP/1.1
     */
    Result parse(ByteBuffer buffer, boolean verify) {
        while (buffer.hasRemaining()) {
            switch (state) {
                case HEAD -> {
                    if (!head(buffer)) {
                        return Result.NEED_MORE;
                    }
                    if (state == State.HEAD) {
                        return Result.COMPLETE; // no body
                    }
                }
                case FIXED, CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, buffer.remaining());
                    if (verify) {
                        compare(buffer, n);
                    } else {
                        buffer.position(buffer.position() + n);
                    }
                    remaining -= n;
                    if (remaining == 0) {
                        if (state == State.FIXED) {
                            state = State.HEAD;
                            return Result.COMPLETE;
                        }
                        state = State.CHUNK_CRLF;
                    }
                }
                case CHUNK_SIZE -> {
                    String sizeLine = readLine(buffer);
                    if (sizeLine == null) {
                        return Result.NEED_MORE;
                    }
                    int semicolon = sizeLine.indexOf(';');
                    remaining = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
                    state = remaining == 0 ? State.TRAILER : State.CHUNK_DATA;
                }
                case CHUNK_CRLF -> {
                    if (readLine(buffer) == null) {
                        return Result.NEED_MORE;
                    }
                    state = State.CHUNK_SIZE;
                }
                case TRAILER -> {
                    String trailer = readLine(buffer);
                    if (trailer == null) {
                        return Result.NEED_MORE;
                    }
                    if (trailer.isEmpty()) {
                        state = State.HEAD;
                        return Result.COMPLETE;
                    }
                }
            }
        }
        return Result.NEED_MORE;
    }

    /** Reads head lines; true once the head is complete (state set for the body). */
    private boolean head(ByteBuffer buffer) {
        while (true) {
            String headerLine = readLine(buffer);
            if (headerLine == null) {
                return false;
            }
            if (status == 0) {
                if (!headerLine.startsWith("HTTP/1.")) {
                    throw new IllegalStateException("not an HTTP/1.x status line: " + headerLine);
                }
                status = Integer.parseInt(headerLine.substring(9, 12));
                closeAfter = headerLine.startsWith("HTTP/1.0");
                remaining = LENGTH_NOT_GIVEN;
                continue;
            }
            if (headerLine.isEmpty()) {
                if (remaining >= 0) {
                    state = remaining == 0 ? State.HEAD : State.FIXED;
                } else if (remaining == LENGTH_CHUNKED) {
                    state = State.CHUNK_SIZE;
                } else {
                    state = State.HEAD; // no length, not chunked: our servers never do this
                }
                return true;
            }
            int colon = headerLine.indexOf(':');
            if (colon > 0) {
                String name = headerLine.substring(0, colon).trim();
                String value = headerLine.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) {
                    remaining = Long.parseLong(value);
                    if (remaining < 0) { // would read as one of the sentinels
                        throw new IllegalStateException("negative Content-Length: " + value);
                    }
                } else if (name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked")) {
                    remaining = LENGTH_CHUNKED;
                } else if (name.equalsIgnoreCase("Connection")) {
                    closeAfter = value.equalsIgnoreCase("close");
                }
            }
        }
    }

    /** Prepares for the next response on the connection. */
    void reset() {
        status = 0;
        closeAfter = false;
        remaining = 0;
        state = State.HEAD;
        line.setLength(0);
    }

    private void compare(ByteBuffer buffer, int n) {
        if (expected == null || expectedOffset + n > expected.length) {
            mismatch = true;
        } else if (buffer.hasArray()) {
            int from = buffer.arrayOffset() + buffer.position();
            mismatch |= !Arrays.equals(buffer.array(), from, from + n, expected, expectedOffset, expectedOffset + n);
        } else {
            for (int i = 0; i < n; i++) {
                mismatch |= buffer.get(buffer.position() + i) != expected[expectedOffset + i];
            }
        }
        buffer.position(buffer.position() + n);
        expectedOffset += n;
    }

    private String readLine(ByteBuffer buffer) {
        while (buffer.hasRemaining()) {
            char c = (char) (buffer.get() & 0xFF);
            if (c == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                String result = line.toString();
                line.setLength(0);
                return result;
            }
            if (line.length() > MAX_HEAD) {
                throw new IllegalStateException("response head line longer than " + MAX_HEAD + " bytes");
            }
            line.append(c);
        }
        return null;
    }
}
