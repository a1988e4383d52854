package io.mpool.server.framing;

/**
 * One chunk-size line of a chunked body, checked byte by byte against RFC 9112 section 7.1.1:
 * <pre>
 *   chunk-size [ chunk-ext ] CRLF
 *
 *   chunk-size     = 1*HEXDIG
 *   chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   chunk-ext-name = token
 *   chunk-ext-val  = token / quoted-string
 *   BWS            = *( SP / HTAB )
 * </pre>
 * Extensions are checked and then ignored. Whitespace is accepted only where BWS stands: before a
 * {@code ;}, around a {@code =}, never at the end of the line, so {@code 5 x}, {@code 5 5} and
 * {@code 5 } are refused; so is any control byte (0x00-0x1F but HTAB, and 0x7F), in a quoted
 * value too. A size above {@link FramingScanner#MAX_CHUNK_SIZE} is refused at the digit that
 * crosses it. Undertow's own chunk reader skips everything up to the LF, so a laxer check here
 * would let two parsers disagree about where the line ends.
 */
final class ChunkSizeLine {

    /** Longest chunk-size line (size plus extensions) accepted. */
    static final int MAX_LENGTH = 4096;

    /** Where in the line the next byte falls. */
    private enum Part {
        /** Hex digits, at least one. */
        SIZE,
        /** BWS after the size, a name or a value: only a ';' (or '=' after a name) may follow. */
        SPACE_BEFORE_SEMICOLON,
        SPACE_AFTER_NAME,
        /** After ';': BWS, then a name. */
        BEFORE_NAME,
        NAME,
        /** After '=': BWS, then a token or a quoted string. */
        BEFORE_VALUE,
        TOKEN_VALUE,
        QUOTED_VALUE,
        /** After a backslash in a quoted string. */
        QUOTED_PAIR,
        /** After the closing quote. */
        AFTER_QUOTED,
        /** After the CR: only LF. */
        CR,
        COMPLETE
    }

    private Part part;
    private int length;
    private int digits;
    private long size;
    private String refusal;

    ChunkSizeLine() {
        start();
    }

    /** Starts a new line. */
    void start() {
        part = Part.SIZE;
        length = 0;
        digits = 0;
        size = 0;
        refusal = null;
    }

    /** The size read so far (final once {@link #complete()}). */
    long size() {
        return size;
    }

    /** True once the line's CRLF has been read. */
    boolean complete() {
        return part == Part.COMPLETE;
    }

    /** Why the line was refused (never echoes request bytes), or null. */
    String refusal() {
        return refusal;
    }

    /** Feeds one byte; false if it breaks the grammar ({@link #refusal()} says how). */
    boolean accept(byte b) {
        assert part != Part.COMPLETE : "byte after a complete chunk-size line";
        if (++length > MAX_LENGTH) {
            return refuse("chunk-size line longer than " + MAX_LENGTH + " bytes");
        }
        int c = b & 0xFF;
        if (part == Part.CR) {
            return c == '\n' ? to(Part.COMPLETE) : refuse("chunk-size line not ended by CRLF");
        }
        if (c == '\n') {
            return refuse("chunk-size line ended by a bare LF");
        }
        if (isControl(c) && c != '\r') {
            return refuse(part == Part.SIZE ? "chunk size is not hexadecimal" : "control byte in a chunk-size line");
        }
        return switch (part) {
            case SIZE -> size(c);
            case SPACE_BEFORE_SEMICOLON -> isSpace(c) || semicolon(c)
                    || refuse("after the chunk size only ';' extensions may follow");
            case SPACE_AFTER_NAME -> isSpace(c) || semicolon(c) || equalsSign(c)
                    || refuse("malformed chunk extension");
            case BEFORE_NAME -> isSpace(c) || (isTokenChar(c) && to(Part.NAME))
                    || refuse("chunk extension without a name");
            case NAME -> isTokenChar(c) || (isSpace(c) && to(Part.SPACE_AFTER_NAME)) || equalsSign(c) || semicolon(c)
                    || lineEnd(c) || refuse("malformed chunk extension name");
            case BEFORE_VALUE -> isSpace(c) || (c == '"' && to(Part.QUOTED_VALUE))
                    || (isTokenChar(c) && to(Part.TOKEN_VALUE)) || refuse("chunk extension without a value");
            case TOKEN_VALUE -> isTokenChar(c) || afterValue(c) || refuse("malformed chunk extension value");
            case QUOTED_VALUE -> quoted(c);
            case QUOTED_PAIR -> c != '\r' ? to(Part.QUOTED_VALUE) : refuse("control byte in a chunk-size line");
            case AFTER_QUOTED -> afterValue(c) || refuse("malformed chunk extension value");
            case CR, COMPLETE -> throw new AssertionError(part);
        };
    }

    private boolean size(int c) {
        int digit = Character.digit(c, 16);
        if (digit >= 0) {
            digits++;
            size = (size << 4) | digit; // cannot overflow: bounded below at every digit
            return size <= FramingScanner.MAX_CHUNK_SIZE
                    || refuse("chunk size above " + FramingScanner.MAX_CHUNK_SIZE + " bytes");
        }
        return (digits > 0 && ((isSpace(c) && to(Part.SPACE_BEFORE_SEMICOLON)) || semicolon(c) || lineEnd(c)))
                || refuse("chunk size is not hexadecimal"); // zz, 0x5, 5g
    }

    private boolean quoted(int c) {
        if (c == '"') {
            return to(Part.AFTER_QUOTED);
        }
        if (c == '\\') {
            return to(Part.QUOTED_PAIR);
        }
        return c != '\r' || refuse("control byte in a chunk-size line"); // CR: control bytes were refused above
    }

    /** After a value: BWS before the next ';', the next ';', or the end of the line. */
    private boolean afterValue(int c) {
        return (isSpace(c) && to(Part.SPACE_BEFORE_SEMICOLON)) || semicolon(c) || lineEnd(c);
    }

    private boolean semicolon(int c) {
        return c == ';' && to(Part.BEFORE_NAME);
    }

    private boolean equalsSign(int c) {
        return c == '=' && to(Part.BEFORE_VALUE);
    }

    private boolean lineEnd(int c) {
        return c == '\r' && to(Part.CR);
    }

    private boolean to(Part next) {
        part = next;
        return true;
    }

    private boolean refuse(String reason) {
        refusal = reason;
        return false;
    }

    private static boolean isSpace(int c) {
        return c == ' ' || c == '\t';
    }

    /** A control byte (CTL of RFC 5234, 0x00-0x1F and 0x7F) other than HTAB, which BWS allows. */
    private static boolean isControl(int c) {
        return (c < 0x20 && c != '\t') || c == 0x7F;
    }

    /** tchar of RFC 9110 section 5.6.2. */
    private static boolean isTokenChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
