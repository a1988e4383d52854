package io.mpool.server.framing;

/**
 * The scanner's fixed limits, for the server tests in other packages: {@link FramingScanner} keeps
 * them package-private, and a test that copied the numbers would not notice them change.
 */
public final class ScannerLimits {
    /** Longest chunk-size line, its CRLF included. */
    public static final int MAX_CHUNK_LINE = ChunkSizeLine.MAX_LENGTH;
    /** Longest Content-Length value, in digits. */
    public static final int MAX_CONTENT_LENGTH_DIGITS = HeadScanner.MAX_CONTENT_LENGTH_DIGITS;

    private ScannerLimits() {
    }
}
