package io.mpool.server.framing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Finds the next CR or LF in a buffer eight bytes at a time: one {@code long} read and a few
 * arithmetic steps per eight bytes ("SWAR", SIMD within a register), where a byte loop takes a load
 * and two compares per byte. Runs of bytes with no framing meaning (a request target, a header
 * value other than the two that frame the body) are skipped with it.
 *
 * <p>A byte {@code b} of a word {@code x} is zero exactly when the high bit of
 * {@code ~(((x & 0x7F..) + 0x7F..) | x | 0x7F..)} is set in its place; unlike the shorter
 * {@code (x - 0x01..) & ~x & 0x80..}, no borrow crosses from one byte into the next, so the lowest
 * (or highest) set bit names the first match in memory whichever the buffer's byte order.
 */
final class LineEnds {
    private static final long CRS = 0x0D0D_0D0D_0D0D_0D0DL;
    private static final long LFS = 0x0A0A_0A0A_0A0A_0A0AL;
    private static final long COLONS = 0x3A3A_3A3A_3A3A_3A3AL;
    private static final long LOW_SEVEN_BITS = 0x7F7F_7F7F_7F7F_7F7FL;

    private LineEnds() {
    }

    /** The absolute index of the first CR or LF in {@code bytes[from, to)}, or {@code to} if none. */
    static int next(ByteBuffer bytes, int from, int to) {
        return first(bytes, from, to, CRS, (byte) '\r');
    }

    /**
     * The absolute index of the first colon, CR or LF in {@code bytes[from, to)}, or {@code to} if
     * none: the end of a header name.
     */
    static int nextColonOrLineEnd(ByteBuffer bytes, int from, int to) {
        return first(bytes, from, to, COLONS, (byte) ':');
    }

    /** The first CR, LF or {@code also} (eight copies of it in {@code alsoWord}) in {@code bytes[from, to)}. */
    private static int first(ByteBuffer bytes, int from, int to, long alsoWord, byte also) {
        int i = from;
        if (to - from >= Long.BYTES) {
            boolean bigEndian = bytes.order() == ByteOrder.BIG_ENDIAN;
            for (; i <= to - Long.BYTES; i += Long.BYTES) {
                long word = bytes.getLong(i);
                long found = zeroBytes(word ^ CRS) | zeroBytes(word ^ LFS) | zeroBytes(word ^ alsoWord);
                if (found != 0) {
                    int firstBit = bigEndian ? Long.numberOfLeadingZeros(found) : Long.numberOfTrailingZeros(found);
                    return i + firstBit / Byte.SIZE;
                }
            }
        }
        for (; i < to; i++) {
            byte b = bytes.get(i);
            if (b == '\r' || b == '\n' || b == also) {
                return i;
            }
        }
        return to;
    }

    /** The eight bytes at {@code bytes[at, at + 8)} as a big-endian {@code long}, whatever the buffer's order. */
    static long bigEndianLong(ByteBuffer bytes, int at) {
        long word = bytes.getLong(at);
        return bytes.order() == ByteOrder.BIG_ENDIAN ? word : Long.reverseBytes(word);
    }

    /** The high bit of each byte of {@code x} that is zero, every other bit clear. */
    static long zeroBytes(long x) {
        return ~(((x & LOW_SEVEN_BITS) + LOW_SEVEN_BITS) | x | LOW_SEVEN_BITS);
    }
}
