package io.mpool.mempool;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Filling memory by bulk copies from a constant pattern array (a memcpy each; Java 17 has no
 * memset for buffers): zeroing for scrub and allocateZeroed, the poison patterns for debugging.
 */
final class MemoryFill {
    private static final byte[] ZEROS = new byte[SizeClasses.MAX_CACHED_SIZE];
    private static final byte[] FREED_PATTERN = filled(DebugOptions.POISON_FREED);
    private static final byte[] FRESH_PATTERN = filled(DebugOptions.POISON_FRESH);

    private MemoryFill() {
    }

    static void zero(ByteBuffer memory, int length) {
        fill(memory, length, ZEROS);
    }

    static void poisonFresh(ByteBuffer memory, int length) {
        fill(memory, length, FRESH_PATTERN);
    }

    static void poisonFreed(ByteBuffer memory, int length) {
        fill(memory, length, FREED_PATTERN);
    }

    /** Fills the first {@code length} bytes with a repeating pattern, by absolute bulk puts. */
    private static void fill(ByteBuffer memory, int length, byte[] pattern) {
        for (int offset = 0; offset < length; offset += pattern.length) {
            memory.put(offset, pattern, 0, Math.min(pattern.length, length - offset));
        }
    }

    private static byte[] filled(byte value) {
        byte[] pattern = new byte[PageArena.PAGE_SIZE];
        Arrays.fill(pattern, value);
        return pattern;
    }
}
