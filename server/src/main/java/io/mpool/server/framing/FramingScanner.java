package io.mpool.server.framing;

import java.nio.ByteBuffer;

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
 *   ended by CRLF), chunk data not followed by CRLF (a "runaway" chunk), a trailer line without a name and
 *   colon, folded or with whitespace in its name: 400;</li>
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
 *
 * <p>The head's rules are its superclass's ({@link HeadScanner}): one object per connection holds
 * the state of both halves.
 */
public final class FramingScanner extends HeadScanner {

    private enum State { HEAD, FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_CR, CHUNK_DATA_LF, TRAILER, FAILED }

    /** Longest chunk-size line accepted (size plus extensions; see {@link ChunkSizeLine}). */
    public static final int MAX_CHUNK_LINE = ChunkSizeLine.MAX_LENGTH;
    /** Longest Content-Length value accepted, in digits. */
    public static final int MAX_CONTENT_LENGTH_DIGITS = HeadScanner.MAX_CONTENT_LENGTH_DIGITS;
    /** Longest trailer section accepted. */
    static final int MAX_TRAILER = 16 * 1024;
    /**
     * Largest chunk size accepted (1 TiB - 1): far above any body we serve, far below the
     * 2^57 - 1 that Undertow's chunk counter holds.
     */
    public static final long MAX_CHUNK_SIZE = (1L << 40) - 1;

    private State state = State.HEAD;
    /** A trailer line's CR came (the head's own is {@link HeadScanner}'s). */
    private boolean trailerSawCr;
    /** Length of the current trailer line. */
    private int trailerLineLength;
    /** Whether the current trailer line's colon has come. */
    private boolean trailerColonSeen;
    private long remaining;
    /** The chunk-size line being read; made at the first chunked body (most connections send none). */
    private ChunkSizeLine chunkLine;
    /** Bytes of chunk data announced so far in the current chunked body. */
    private long chunkedBodyBytes;
    private int trailerBytes;
    private FramingViolation violation;
    /**
     * Where the empty lines before request lines were in the bytes of the current scan; made at the
     * first one (most connections never send one, and a read need not touch it then).
     */
    private EmptyLineRuns emptyLines;

    /** A scanner with no body limit (chunk sizes are still bounded by {@link #MAX_CHUNK_SIZE}). */
    public FramingScanner(int maxRequestLine, int maxHead) {
        this(maxRequestLine, maxHead, 0);
    }

    /**
     * @param maxBody largest request body in bytes, 0 = no limit: a larger Content-Length, or a
     *                chunked body whose chunk sizes add up to more, is refused with 413
     */
    public FramingScanner(int maxRequestLine, int maxHead, long maxBody) {
        super(maxRequestLine, maxHead, checkedMaxBody(maxBody));
    }

    private static long checkedMaxBody(long maxBody) {
        if (maxBody < 0) {
            throw new IllegalArgumentException("maxBody=" + maxBody + " (expected: >= 0, 0 = no limit)");
        }
        return maxBody;
    }

    /** True while the stream is inside a request body (fixed-length or chunked, trailers included). */
    public boolean inBody() {
        return state != State.HEAD && state != State.FAILED;
    }

    /** True while the stream is inside a message: a body, or a head of which some bytes have come. */
    public boolean midMessage() {
        return inBody() || (state == State.HEAD && headStarted());
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
        if (emptyLines != null) {
            emptyLines.clear();
        }
        int i = from;
        while (i < to) {
            if (state == State.FAILED) {
                return i;
            }
            if (state == State.HEAD) {
                if (beforeRequestLine()) {
                    int first = skipEmptyLines(bytes, i, to);
                    if (first > i) {
                        if (emptyLines == null) {
                            emptyLines = new EmptyLineRuns();
                        }
                        emptyLines.add(i, first);
                    }
                    if (headViolation() != null) {
                        return headRefused(first);
                    }
                    if (first == to) {
                        return to;
                    }
                    i = first;
                }
                int end = scanHead(bytes, i, to);
                if (end == -1) {
                    return to;
                }
                if (headViolation() != null) {
                    return headRefused(end);
                }
                startBody();
                i = end;
                continue;
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

    /**
     * As {@link #scan(ByteBuffer, int, int)}, and drops the empty lines before each request line
     * from the bytes passed on: the bytes after them are moved down over them (one pass), so a
     * parser after this one never sees them (Undertow's refuses a request line that starts with
     * CR or LF). Returns the end of the bytes to pass on; {@link #violation()} says whether the
     * stream was cut there.
     */
    public int scanDroppingEmptyLines(ByteBuffer bytes, int from, int to) {
        int end = scan(bytes, from, to);
        return emptyLines == null ? end : emptyLines.drop(bytes, end);
    }

    private int headRefused(int at) {
        FramingViolation refused = headViolation();
        fail(refused.status(), refused.reason(), true);
        return at;
    }

    /** Feeds one byte; false once a violation is found (the byte is refused). */
    private boolean accept(byte b) {
        return switch (state) {
            case HEAD -> throw new AssertionError("heads are scanned by HeadScanner");
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

    /** The head is complete and accepted: follow its body. */
    private void startBody() {
        switch (headBody()) {
            case CHUNKED -> {
                state = State.CHUNK_SIZE;
                chunkedBodyBytes = 0;
                startChunkLine();
            }
            case FIXED -> {
                state = State.FIXED_BODY;
                remaining = headBodyLength();
            }
            case NONE -> state = State.HEAD;
        }
        resetHead();
    }

    // ---- chunked body ----

    private boolean startChunk() {
        state = State.CHUNK_SIZE;
        startChunkLine();
        return true;
    }

    private void startChunkLine() {
        if (chunkLine == null) {
            chunkLine = new ChunkSizeLine();
        }
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
            trailerSawCr = false;
            trailerLineLength = 0;
            trailerColonSeen = false;
            return true;
        }
        state = State.CHUNK_DATA;
        return true;
    }

    private boolean trailer(byte b) {
        if (++trailerBytes > MAX_TRAILER) {
            return fail(400, "chunked trailer larger than " + MAX_TRAILER + " bytes", false);
        }
        if (trailerSawCr) {
            trailerSawCr = false;
            if (b != '\n') {
                return fail(400, "trailer line not ended by CRLF", false);
            }
            if (trailerLineLength == 0) {
                state = State.HEAD; // end of the message
                return true;
            }
            trailerLineLength = 0;
            trailerColonSeen = false;
            return true;
        }
        if (b == '\n') {
            return fail(400, "trailer line ended by a bare LF", false);
        }
        // The rules of a header line (HeadScanner), checked at the first byte that breaks them:
        // Undertow's parser closes the connection without an answer on any of these bytes.
        if (!trailerColonSeen) {
            boolean blank = b == ' ' || b == '\t';
            if (blank && trailerLineLength == 0) {
                return fail(400, "obsolete line folding in a trailer", false);
            }
            if (blank) {
                return fail(400, "whitespace in a trailer name or before its colon", false);
            }
            if (b == ':' && trailerLineLength == 0 || b == '\r' && trailerLineLength > 0) {
                return fail(400, "trailer line without a name and colon", false);
            }
            trailerColonSeen = b == ':';
        }
        if (b == '\r') {
            trailerSawCr = true;
            return true;
        }
        trailerLineLength++;
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
