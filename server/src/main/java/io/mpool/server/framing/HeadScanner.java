package io.mpool.server.framing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The request-head half of {@link FramingScanner}: follows the bytes of one head (request line
 * and header lines) to its empty line, checks the rules that decide where the message ends, and
 * says how the body is framed.
 *
 * <p>It is the scanner's superclass, not an object the scanner holds (as the connection is its own
 * request tracker): every request's head scan reads and resets these fields, and at a thousand
 * keep-alive connections taking turns they are cold; in one object with the body half's fields
 * they take fewer cache lines and no load of a reference first, and a connection pays for one
 * object header, not two.
 *
 * <p>A header name is matched against {@code Transfer-Encoding} and {@code Content-Length} as it
 * goes by, and only the values of those two headers are kept (the one string it builds is a
 * Transfer-Encoding value, to check its codings). The request target and every other header value
 * are skipped to their line's end eight bytes at a time ({@link LineEnds}), so a head of plain GETs
 * costs a few operations per eight bytes of target and value, a comparison per byte of method and
 * header name, and no allocation.
 */
abstract class HeadScanner {
    /** How the body after a complete head is framed. */
    enum Body { NONE, FIXED, CHUNKED }

    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);
    /** The last eight bytes of an HTTP/1.0 request line, as a big-endian long. */
    private static final long HTTP_1_0 = ByteBuffer.wrap("HTTP/1.0".getBytes(StandardCharsets.US_ASCII)).getLong();
    /** Longest Content-Length accepted, in digits (a plain positive {@code long} has up to 18 safely). */
    static final int MAX_CONTENT_LENGTH_DIGITS = 18;

    private static final int VALUE_NONE = 0;
    private static final int VALUE_TRANSFER_ENCODING = 1;
    private static final int VALUE_CONTENT_LENGTH = 2;

    private final int maxRequestLine;
    private final int maxHead;
    /** Largest body, 0 = no limit (a larger Content-Length is refused; the body half counts chunks against it). */
    final long maxBody;

    private int headBytes;
    private boolean sawCr;
    /** Complete non-empty lines of this head so far; 0 while in the request line. */
    private int lines;
    private int lineLength;
    private boolean folded;
    /** Bytes before the colon of the current header line; -1 until the colon is seen. */
    private int nameLength = -1;
    private boolean whitespaceBeforeColon;
    /** Whether the name so far still matches each header of interest. */
    private boolean mayBeTransferEncoding;
    private boolean mayBeContentLength;
    private int valueKind = VALUE_NONE;
    /**
     * The value of a Content-Length or Transfer-Encoding line; made at the first such line (a
     * connection that only sends GETs never has one: every idle connection holds this scanner).
     */
    private StringBuilder value;
    /** The last eight bytes of the line, and the one before them (request line version). */
    private long tail;
    private int beforeTail;
    private boolean http10;
    /** Still in the request line's method, and whether it had a lower-case letter. */
    private boolean inMethod = true;
    private boolean methodLowerCase;
    private int transferEncodings;
    private String transferEncoding;
    private int contentLengths;
    /** The last Content-Length value, or -1 when it is not a plain number. */
    private long contentLength;

    private Body body = Body.NONE;
    private long bodyLength;
    private FramingViolation violation;

    HeadScanner(int maxRequestLine, int maxHead, long maxBody) {
        this.maxRequestLine = maxRequestLine;
        this.maxHead = maxHead;
        this.maxBody = maxBody;
        startLine();
    }

    /**
     * Scans {@code bytes[from, to)} (absolute indexes of a heap or direct buffer, read in place) for
     * the rest of the head. Returns the index just past the head's final line feed once it is
     * complete (then {@link #headBody()} says what follows), {@code -1} if every byte was taken and the
     * head goes on, or the index of the refused byte when {@link #headViolation()} is set: the head's
     * last byte or the byte that crossed a limit, so the server's parser never sees a complete
     * refused head.
     */
    final int scanHead(ByteBuffer bytes, int from, int to) {
        int i = from;
        while (i < to) {
            byte b = bytes.get(i);
            if (!sawCr && b != '\r' && b != '\n') {
                if (lines == 0) {
                    i = requestLine(bytes, i, to);
                } else if (nameLength < 0) {
                    i = headerName(bytes, i, to);
                } else if (valueKind == VALUE_NONE) {
                    i = skipValue(bytes, i, to);
                } else {
                    if (++headBytes > maxHead) {
                        return refuseHeadSize(i);
                    }
                    lineLength++;
                    value.append((char) (b & 0xFF)); // Content-Length or Transfer-Encoding: kept
                    i++;
                    continue;
                }
                if (violation != null) {
                    return i;
                }
                continue;
            }
            if (++headBytes > maxHead) {
                return refuseHeadSize(i);
            }
            if (sawCr) {
                sawCr = false;
                if (b != '\n') {
                    return refuse(i, 400, "bare CR in request head");
                }
            } else if (b == '\r') {
                sawCr = true;
                i++;
                continue;
            }
            int end = endOfLine(i); // a bare LF ends a head line too (RFC 9112 section 2.2 allows it)
            if (end != -1) {
                return end;
            }
            i++;
        }
        return -1;
    }

    /**
     * Request-line bytes from {@code i} up to the line's end or {@code to}: counted against both
     * limits, the last eight kept (the version), the method checked for lower case. The method is
     * taken a byte at a time; the rest of the line (target and version, no byte of which needs a
     * look of its own) in one run to its end ({@link LineEnds}), its last nine bytes read after.
     * Returns where it stopped: a line end, {@code to}, or the refused byte ({@link #headViolation()}
     * set).
     */
    private int requestLine(ByteBuffer bytes, int i, int to) {
        for (; inMethod && i < to; i++) {
            byte b = bytes.get(i);
            if (b == '\r' || b == '\n') {
                return i;
            }
            if (!takeRequestLineBytes(1)) {
                return refuseRequestLine(i);
            }
            keepInTail(b);
            if (b == ' ') {
                inMethod = false;
            } else if (b >= 'a' && b <= 'z') {
                methodLowerCase = true;
            }
        }
        int start = i;
        int end = LineEnds.next(bytes, start, to);
        int run = end - start;
        int headRoom = maxHead - headBytes;
        int lineRoom = maxRequestLine - lineLength;
        if (run > headRoom || run > lineRoom) {
            // The first byte past either limit is refused, the head's limit first on the same byte.
            return refuseRequestLine(start + Math.min(headRoom, lineRoom));
        }
        headBytes += run;
        lineLength += run;
        if (run > Long.BYTES) {
            beforeTail = bytes.get(end - Long.BYTES - 1) & 0xFF;
            tail = LineEnds.bigEndianLong(bytes, end - Long.BYTES);
        } else {
            for (int k = start; k < end; k++) {
                keepInTail(bytes.get(k));
            }
        }
        return end;
    }

    /** Counts {@code n} more request-line bytes; false (nothing counted) if either limit would be passed. */
    private boolean takeRequestLineBytes(int n) {
        if (n > maxHead - headBytes || n > maxRequestLine - lineLength) {
            return false;
        }
        headBytes += n;
        lineLength += n;
        return true;
    }

    /** Refuses the request-line byte at {@code i}, the first one past a limit: 431 for the head's, else 414. */
    private int refuseRequestLine(int i) {
        if (headBytes + 1 > maxHead || maxHead - headBytes <= maxRequestLine - lineLength) {
            return refuseHeadSize(i);
        }
        return refuse(i, 414, "request line longer than " + maxRequestLine + " bytes");
    }

    /** The request line's last eight bytes so far, and the one before them. */
    private void keepInTail(byte b) {
        beforeTail = (int) (tail >>> 56);
        tail = (tail << 8) | (b & 0xFF);
    }

    /** Skips a header value no framing rule reads, up to its line's end or {@code to}. */
    private int skipValue(ByteBuffer bytes, int i, int to) {
        int start = i;
        i = LineEnds.next(bytes, i, to);
        int run = i - start;
        if (run > maxHead - headBytes) {
            int crossing = start + (maxHead - headBytes); // the first byte past the limit
            headBytes = maxHead + 1;
            return refuseHeadSize(crossing);
        }
        headBytes += run;
        lineLength += run;
        return i;
    }

    /** True before the request line's first byte: empty lines may still come ({@link #skipEmptyLines}). */
    final boolean beforeRequestLine() {
        return lines == 0 && lineLength == 0;
    }

    /**
     * Takes the empty lines (CRLF, or a bare LF) before a request line from {@code from}: RFC 9112
     * section 2.2 says a server SHOULD ignore at least one, and a client may send one after a
     * request body. They count against the head size, so a flood of them is refused with 431, and a
     * CR followed by anything but LF is a bare CR (400). Returns the offset of the first byte that
     * is not theirs (the request line's first byte, or {@code to}), or of the refused byte when
     * {@link #headViolation()} is set.
     */
    final int skipEmptyLines(ByteBuffer bytes, int from, int to) {
        int i = from;
        for (; i < to; i++) {
            byte b = bytes.get(i);
            if (sawCr) {
                if (b != '\n') {
                    return refuse(i, 400, "bare CR in request head");
                }
                sawCr = false;
            } else if (b == '\r') {
                sawCr = true;
            } else if (b != '\n') {
                return i;
            }
            if (++headBytes > maxHead) {
                return refuseHeadSize(i);
            }
        }
        return i;
    }

    /** True once a byte of a head (not a leading empty line) has been taken. */
    final boolean headStarted() {
        return lines > 0 || lineLength > 0 || sawCr;
    }

    /** How the body is framed, once {@link #scanHead} returned the end of the head. */
    final Body headBody() {
        return body;
    }

    /** The Content-Length of a {@link Body#FIXED} body. */
    final long headBodyLength() {
        return bodyLength;
    }

    final FramingViolation headViolation() {
        return violation;
    }

    /** Ready for the next request's head. */
    final void resetHead() {
        headBytes = 0;
        sawCr = false;
        lines = 0;
        tail = 0;
        beforeTail = 0;
        http10 = false;
        inMethod = true;
        methodLowerCase = false;
        transferEncodings = 0;
        transferEncoding = null;
        contentLengths = 0;
        contentLength = -1;
        body = Body.NONE;
        bodyLength = 0;
        startLine();
    }

    /**
     * Header-name bytes from {@code i} up to the colon (taken too), a line end or {@code to}: the
     * name is matched against the two framing headers a byte at a time only while it may still be
     * one of them (most names are neither from their first byte on); the rest of it is skipped to
     * its colon or line end eight bytes at a time ({@link LineEnds#nextColonOrLineEnd}).
     */
    private int headerName(ByteBuffer bytes, int i, int to) {
        int start = i;
        int position = lineLength;
        boolean transfer = mayBeTransferEncoding;
        boolean content = mayBeContentLength;
        for (; (transfer | content) && i < to; i++, position++) {
            byte b = bytes.get(i);
            if (b == ':' || b == '\r' || b == '\n') {
                break;
            }
            byte lower = b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
            transfer &= position < TRANSFER_ENCODING.length && TRANSFER_ENCODING[position] == lower;
            content &= position < CONTENT_LENGTH.length && CONTENT_LENGTH[position] == lower;
        }
        if (!(transfer | content)) {
            i = LineEnds.nextColonOrLineEnd(bytes, i, to);
        }
        int run = i - start;
        if (run > maxHead - headBytes) {
            int crossing = start + (maxHead - headBytes);
            headBytes = maxHead + 1;
            return refuseHeadSize(crossing);
        }
        if (run > 0) {
            if (lineLength == 0) {
                folded = bytes.get(start) == ' ' || bytes.get(start) == '\t';
            }
            whitespaceBeforeColon = bytes.get(i - 1) == ' ' || bytes.get(i - 1) == '\t';
        }
        headBytes += run;
        lineLength += run;
        mayBeTransferEncoding = transfer;
        mayBeContentLength = content;
        if (i < to && bytes.get(i) == ':') {
            if (++headBytes > maxHead) {
                return refuseHeadSize(i);
            }
            nameLength = lineLength++;
            if (transfer && nameLength == TRANSFER_ENCODING.length) {
                valueKind = VALUE_TRANSFER_ENCODING;
            } else if (content && nameLength == CONTENT_LENGTH.length) {
                valueKind = VALUE_CONTENT_LENGTH;
            }
            if (valueKind != VALUE_NONE && value == null) {
                value = new StringBuilder();
            }
            i++;
        }
        return i;
    }

    /** A line ended at {@code i}: -1 to go on, else the end of the head or the refused byte. */
    private int endOfLine(int i) {
        if (lineLength == 0) {
            assert lines > 0 : "empty lines before the request line are skipped first (skipEmptyLines)";
            FramingViolation refused = bodyFraming();
            return refused == null ? i + 1 : refuse(i, refused);
        }
        if (lines == 0) {
            if (methodLowerCase) {
                // No registered method has one, and Undertow compares methods ignoring case: it
                // would drop the body of the answer to "head" and take "connect" for CONNECT.
                return refuse(i, 501, "method with lower-case letters: methods are case-sensitive"
                        + " (RFC 9110 section 9.1) and every method this server implements is upper case");
            }
            http10 = tail == HTTP_1_0 && beforeTail == ' ';
        } else {
            FramingViolation refused = headerLine();
            if (refused != null) {
                return refuse(i, refused);
            }
        }
        lines++;
        startLine();
        return -1;
    }

    private FramingViolation headerLine() {
        if (folded) {
            return new FramingViolation(400, "obsolete line folding in a header", true);
        }
        if (nameLength <= 0) {
            return new FramingViolation(400, "header line without a name and colon", true);
        }
        if (whitespaceBeforeColon) {
            return new FramingViolation(400, "whitespace between a header name and its colon", true);
        }
        if (valueKind == VALUE_TRANSFER_ENCODING) {
            transferEncodings++;
            transferEncoding = value.toString().strip();
        } else if (valueKind == VALUE_CONTENT_LENGTH) {
            contentLengths++;
            contentLength = plainNumber(value);
        }
        return null;
    }

    private void startLine() {
        lineLength = 0;
        folded = false;
        nameLength = -1;
        whitespaceBeforeColon = false;
        mayBeTransferEncoding = true;
        mayBeContentLength = true;
        valueKind = VALUE_NONE;
        if (value != null && value.length() > 0) {
            value.setLength(0);
        }
    }

    /** The head is complete: how its body is framed, or why that framing is refused. */
    private FramingViolation bodyFraming() {
        if (transferEncodings > 0) {
            if (http10) {
                return new FramingViolation(400, "Transfer-Encoding in an HTTP/1.0 request", true);
            }
            if (contentLengths > 0) {
                return new FramingViolation(400, "both Transfer-Encoding and Content-Length", true);
            }
            if (transferEncodings > 1) {
                return new FramingViolation(400, "Transfer-Encoding header repeated", true);
            }
            FramingViolation coding = checkCodings(transferEncoding);
            if (coding == null) {
                body = Body.CHUNKED;
            }
            return coding;
        }
        if (contentLengths > 0) {
            if (contentLengths > 1) {
                return new FramingViolation(400, "Content-Length header repeated", true);
            }
            long length = contentLength;
            if (length < 0) {
                return new FramingViolation(400, "Content-Length is not a plain number", true);
            }
            if (maxBody > 0 && length > maxBody) {
                return new FramingViolation(413, "Content-Length " + length + " larger than the limit of "
                        + maxBody + " bytes", true);
            }
            bodyLength = length;
            body = length == 0 ? Body.NONE : Body.FIXED;
        }
        return null;
    }

    /**
     * {@code value} without surrounding whitespace as a plain decimal number of 1 to
     * {@value #MAX_CONTENT_LENGTH_DIGITS} digits, or -1 (no sign, no other character).
     */
    private static long plainNumber(CharSequence value) {
        int from = 0;
        int to = value.length();
        while (from < to && Character.isWhitespace(value.charAt(from))) {
            from++;
        }
        while (to > from && Character.isWhitespace(value.charAt(to - 1))) {
            to--;
        }
        if (from == to || to - from > MAX_CONTENT_LENGTH_DIGITS) {
            return -1;
        }
        long number = 0;
        for (int i = from; i < to; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            number = number * 10 + (c - '0');
        }
        return number;
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

    private int refuseHeadSize(int i) {
        return refuse(i, 431, "request head larger than " + maxHead + " bytes");
    }

    private int refuse(int i, int status, String reason) {
        return refuse(i, new FramingViolation(status, reason, true));
    }

    private int refuse(int i, FramingViolation refused) {
        violation = refused;
        return i;
    }
}
