package io.mpool.server.stats;

/** The floods an HTTP/2 connection is closed for with GOAWAY ENHANCE_YOUR_CALM. */
public enum H2Flood {
    /** RST_STREAM frames past the reset window's bound (CVE-2023-44487). */
    RAPID_RESET,
    /** A header block past its bytes or CONTINUATION frames (CVE-2024-27316 family). */
    CONTINUATION,
    /** PING and SETTINGS frames, each of which the server must answer (CVE-2019-9512, -9515). */
    CONTROL,
    /** DATA frames with no bytes and no END_STREAM, one after another (CVE-2019-9518). */
    EMPTY_FRAME
}
