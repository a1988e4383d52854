package io.mpool.server.framing;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A strict, incremental HTTP/1.1 request framing checker: it follows the byte stream of one
 * connection (heads, fixed-length and chunked bodies, pipelined requests) and stops at the first
 * byte that breaks the framing rules of RFC 9112. It does not parse for meaning, only for where
 * each message ends, which is what request smuggling exploits.
 *
 * <p>Refused, with the status to answer:
 * <ul>
 *   <li>request line longer than the limit: 414; head (request line + headers) larger: 431;</li>
 *   <li>a method with lower-case letters ({@code get}): 501 (methods are case-sensitive);</li>
 *   <li>{@code Transfer-Encoding} on HTTP/1.0, with {@code Content-Length}, repeated, an empty
 *   list element ({@code ,chunked}), {@code chunked} twice or not last: 400; a coding other than
 *   chunked ({@code gzip}, {@code identity}): 501;</li>
 *   <li>{@code Content-Length} repeated or not a plain number: 400; whitespace before a header
 *   colon, obsolete line folding, a bare CR: 400;</li>
 *   <li>in a chunked body: a chunk-size line outside RFC 9112's grammar ({@link ChunkSizeLine}: a
 *   size that is not hexadecimal ({@code zz}, {@code 0x5}) or above {@link #MAX_CHUNK_SIZE},
 *   anything but {@code ;} extensions after the size ({@code 5 x}), a control byte, a line not
 *   ended by CRLF), chunk data not followed by CRLF (a "runaway" chunk): 400;</li>
 *   <li>a body larger than the limit ({@code --max-body-size}), announced by {@code Content-Length}
 *   or counted through a chunked body: 413.</li>
 * </ul>
 *
 * <p>The chunk-size bound is what keeps this scanner and Undertow's {@code ChunkReader} on the same
 * byte: Undertow keeps a chunk's remaining size in the low 57 bits of a {@code long} whose upper
 * bits are flags, so a larger size is silently cut there while a scanner counting in a full
 * {@code long} would go on skipping "chunk data" for the rest of the connection. The scanner cuts
 * the stream at the digit that crosses the bound, so Undertow never sees a size it cannot hold.
 *
 * <p>{@link #scan} returns the offset of the first byte the caller must not pass on: for a head
 * violation the last byte of the head or the byte that crossed a limit, so the server's own
 * parser never sees a complete refused request; for a body violation the offending byte.
 */
public final class FramingScanner {

    private enum State { HEAD, FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_CR, CHUNK_DATA_LF, TRAILER, FAILED }

    /** Longest trailer section accepted. */
    static final int MAX_TRAILER = 16 * 1024;
    /**
     * Largest chunk size accepted (1 TiB - 1): far above any body we serve, far below the
     * 2^57 - 1 that Undertow's chunk counter holds.
     */
    public static final long MAX_CHUNK_SIZE = (1L << 40) - 1;
    /** Longest Content-Length accepted, in digits (a plain positive {@code long} has up to 18 safely). */
    static final int MAX_CONTENT_LENGTH_DIGITS = 18;

    private final int maxRequestLine;
    private final int maxHead;
    /** Largest body, 0 = no limit. */
    private final long maxBody;

    private State state = State.HEAD;
    private final StringBuilder line = new StringBuilder();
    private final List<String> headLines = new ArrayList<>();
    private int headBytes;
    private boolean sawCr;
    private long remaining;
    private final ChunkSizeLine chunkLine = new ChunkSizeLine();
    /** Bytes of chunk data announced so far in the current chunked body. */
    private long chunkedBodyBytes;
    private int trailerBytes;
    private FramingViolation violation;

    /** A scanner with no body limit (chunk sizes are still bounded by {@link #MAX_CHUNK_SIZE}). */
    public FramingScanner(int maxRequestLine, int maxHead) {
        this(maxRequestLine, maxHead, 0);
    }

    /**
     * @param maxBody largest request body in bytes, 0 = no limit: a larger Content-Length, or a
     *                chunked body whose chunk sizes add up to more, is refused with 413
     */
    public FramingScanner(int maxRequestLine, int maxHead, long maxBody) {
        if (maxBody < 0) {
            throw new IllegalArgumentException("maxBody=" + maxBody + " (expected: >= 0, 0 = no limit)");
        }
        this.maxRequestLine = maxRequestLine;
        this.maxHead = maxHead;
        this.maxBody = maxBody;
    }

    /** True while the stream is inside a request body (fixed-length or chunked, trailers included). */
    public boolean inBody() {
        return state != State.HEAD && state != State.FAILED;
    }

    /** Refuses the stream from here on for a reason found outside the framing (a too-slow body). */
    public void abort(FramingViolation violation) {
        this.violation = violation;
        state = State.FAILED;
    }

    /** The violation found, or null while the stream is well framed. */
    public FramingViolation violation() {
        return violation;
    }

    /**
     * Scans {@code bytes[from, to)}; returns {@code to} if all of it is well framed, else the
     * offset of the first byte not to pass on ({@link #violation()} says why).
     */
    public int scan(byte[] bytes, int from, int to) {
        return scan(ByteBuffer.wrap(bytes), from, to);
    }

    /** As {@link #scan(byte[], int, int)} over absolute indexes of a buffer (heap or direct). */
    public int scan(ByteBuffer bytes, int from, int to) {
        int i = from;
        while (i < to) {
            if (state == State.FAILED) {
                return i;
            }
            if ((state == State.FIXED_BODY || state == State.CHUNK_DATA) && remaining > 1) {
                // Body bytes carry no framing: skip them in bulk, all but the last of the run.
                int skip = (int) Math.min(remaining - 1, to - i);
                remaining -= skip;
                i += skip;
                continue;
            }
            if (!accept(bytes.get(i))) {
                return i;
            }
            i++;
        }
        return to;
    }

    /** Feeds one byte; false once a violation is found (the byte is refused). */
    private boolean accept(byte b) {
        return switch (state) {
            case HEAD -> head(b);
            case FIXED_BODY -> {
                if (--remaining == 0) {
                    state = State.HEAD;
                }
                yield true;
            }
            case CHUNK_SIZE -> chunkSize(b);
            case CHUNK_DATA -> {
                if (--remaining == 0) {
                    state = State.CHUNK_DATA_CR;
                }
                yield true;
            }
            case CHUNK_DATA_CR -> b == '\r' ? next(State.CHUNK_DATA_LF)
                    : fail(400, "chunk data longer than its declared size", false);
            case CHUNK_DATA_LF -> b == '\n' ? startChunk() : fail(400, "chunk data not followed by CRLF", false);
            case TRAILER -> trailer(b);
            case FAILED -> false;
        };
    }

    // ---- head ----

    private boolean head(byte b) {
        if (++headBytes > maxHead) {
            return fail(431, "request head larger than " + maxHead + " bytes", true);
        }
        if (sawCr) {
            sawCr = false;
            return b == '\n' ? endOfLine() : fail(400, "bare CR in request head", true);
        }
        if (b == '\r') {
            sawCr = true;
            return true;
        }
        if (b == '\n') {
            return endOfLine(); // a bare LF ends a head line (RFC 9112 section 2.2 allows it)
        }
        if (headLines.isEmpty() && line.length() + 1 > maxRequestLine) {
            return fail(414, "request line longer than " + maxRequestLine + " bytes", true);
        }
        line.append((char) (b & 0xFF));
        return true;
    }

    private boolean endOfLine() {
        if (line.length() > 0) {
            if (headLines.isEmpty() && methodHasLowerCase(line)) {
                return fail(501, "method with lower-case letters: methods are case-sensitive (RFC 9110 section 9.1)"
                        + " and every method this server implements is upper case", true);
            }
            headLines.add(line.toString());
            line.setLength(0);
            return true;
        }
        if (headLines.isEmpty()) {
            headBytes = 0; // empty lines before a request line are tolerated (RFC 9112 section 2.2)
            return true;
        }
        // Empty line: the head is complete. Decide how the body is framed.
        FramingViolation refused = bodyFraming();
        headLines.clear();
        headBytes = 0;
        return refused == null || fail(refused.status(), refused.reason(), true);
    }

    /**
     * True if the request line's method has a lower-case letter. No registered method has one, and
     * Undertow compares methods ignoring case ({@code HttpString.equals}): it would drop the body
     * of the answer to {@code head} and take {@code connect} for CONNECT, so such a request must
     * never reach it.
     */
    private static boolean methodHasLowerCase(CharSequence requestLine) {
        for (int i = 0; i < requestLine.length() && requestLine.charAt(i) != ' '; i++) {
            char c = requestLine.charAt(i);
            if (c >= 'a' && c <= 'z') {
                return true;
            }
        }
        return false;
    }

    /** Sets the state for the body; returns a violation if the head's framing is refused. */
    private FramingViolation bodyFraming() {
        String requestLine = headLines.get(0);
        boolean http10 = requestLine.endsWith(" HTTP/1.0");
        List<String> transferEncodings = new ArrayList<>();
        List<String> contentLengths = new ArrayList<>();
        for (int i = 1; i < headLines.size(); i++) {
            String header = headLines.get(i);
            char first = header.charAt(0);
            if (first == ' ' || first == '\t') {
                return new FramingViolation(400, "obsolete line folding in a header", true);
            }
            int colon = header.indexOf(':');
            if (colon <= 0) {
                return new FramingViolation(400, "header line without a name and colon", true);
            }
            char beforeColon = header.charAt(colon - 1);
            if (beforeColon == ' ' || beforeColon == '\t') {
                return new FramingViolation(400, "whitespace between a header name and its colon", true);
            }
            String name = header.substring(0, colon).toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).strip();
            if (name.equals("transfer-encoding")) {
                transferEncodings.add(value);
            } else if (name.equals("content-length")) {
                contentLengths.add(value);
            }
        }
        if (!transferEncodings.isEmpty()) {
            if (http10) {
                return new FramingViolation(400, "Transfer-Encoding in an HTTP/1.0 request", true);
            }
            if (!contentLengths.isEmpty()) {
                return new FramingViolation(400, "both Transfer-Encoding and Content-Length", true);
            }
            if (transferEncodings.size() > 1) {
                return new FramingViolation(400, "Transfer-Encoding header repeated", true);
            }
            FramingViolation coding = checkCodings(transferEncodings.get(0));
            if (coding != null) {
                return coding;
            }
            state = State.CHUNK_SIZE;
            chunkedBodyBytes = 0;
            startChunkLine();
            return null;
        }
        if (!contentLengths.isEmpty()) {
            if (contentLengths.size() > 1) {
                return new FramingViolation(400, "Content-Length header repeated", true);
            }
            String value = contentLengths.get(0);
            if (value.isEmpty() || value.length() > MAX_CONTENT_LENGTH_DIGITS
                    || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return new FramingViolation(400, "Content-Length is not a plain number", true);
            }
            remaining = Long.parseLong(value);
            if (maxBody > 0 && remaining > maxBody) {
                return new FramingViolation(413, "Content-Length " + remaining + " larger than the limit of "
                        + maxBody + " bytes", true);
            }
            state = remaining == 0 ? State.HEAD : State.FIXED_BODY;
            return null;
        }
        state = State.HEAD; // no body
        return null;
    }

    private static FramingViolation checkCodings(String value) {
        String[] codings = value.split(",", -1);
        boolean unsupported = false;
        for (int i = 0; i < codings.length; i++) {
            String coding = codings[i].strip().toLowerCase(Locale.ROOT);
            if (coding.isEmpty()) {
                return new FramingViolation(400, "empty element in Transfer-Encoding", true);
            }
            if (coding.equals("chunked") && i != codings.length - 1) {
                return new FramingViolation(400, "chunked is not the last Transfer-Encoding", true);
            }
            if (!coding.equals("chunked")) {
                unsupported = true;
            }
        }
        if (unsupported) {
            return new FramingViolation(501, "unsupported Transfer-Encoding (only chunked is implemented)", true);
        }
        return null;
    }

    // ---- chunked body ----

    private boolean startChunk() {
        state = State.CHUNK_SIZE;
        startChunkLine();
        return true;
    }

    private void startChunkLine() {
        chunkLine.start();
        remaining = 0;
    }

    private boolean chunkSize(byte b) {
        if (!chunkLine.accept(b)) {
            return fail(400, chunkLine.refusal(), false);
        }
        if (maxBody > 0 && chunkedBodyBytes + chunkLine.size() > maxBody) {
            return fail(413, "chunked body larger than the limit of " + maxBody + " bytes", false);
        }
        if (!chunkLine.complete()) {
            return true;
        }
        remaining = chunkLine.size();
        chunkedBodyBytes += remaining;
        if (remaining == 0) {
            state = State.TRAILER;
            trailerBytes = 0;
            sawCr = false;
            line.setLength(0);
            return true;
        }
        state = State.CHUNK_DATA;
        return true;
    }

    private boolean trailer(byte b) {
        if (++trailerBytes > MAX_TRAILER) {
            return fail(400, "chunked trailer larger than " + MAX_TRAILER + " bytes", false);
        }
        if (sawCr) {
            sawCr = false;
            if (b != '\n') {
                return fail(400, "trailer line not ended by CRLF", false);
            }
            if (line.length() == 0) {
                state = State.HEAD; // end of the message
                return true;
            }
            line.setLength(0);
            return true;
        }
        if (b == '\r') {
            sawCr = true;
            return true;
        }
        if (b == '\n') {
            return fail(400, "trailer line ended by a bare LF", false);
        }
        line.append('x'); // only its length matters
        return true;
    }

    // ---- helpers ----

    private boolean next(State next) {
        state = next;
        return true;
    }

    private boolean fail(int status, String reason, boolean inHead) {
        violation = new FramingViolation(status, reason, inHead);
        state = State.FAILED;
        return false;
    }
}
