package io.mpool.loadtest.jmh;

/**
 * The size/frequency table of one request's allocations, as the benchmarks replay it: many small
 * ones (headers, strings), a couple of 4-16 KB buffers, and every eighth request a 64 KB one, then
 * everything is released.
 */
final class RequestShape {
    /** 24 small allocations of 16..200 bytes. */
    static final int[] SMALL = {16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 144, 160, 176, 200, 24, 32, 48, 64, 96, 128,
        16, 40, 80, 120};
    /** Two medium buffers. */
    static final int[] MEDIUM = {4096, 16384};
    /** One request in this many also takes a large buffer. */
    static final int LARGE_EVERY = 8;
    static final int LARGE = 65536;

    private RequestShape() {
    }
}
