package io.mpool.server.framing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LineEndsTest {
    /** Bytes next to CR and LF in value, or equal to them but for the high bit: none of them is a line end. */
    private static final byte[] NEAR_MISSES = {0x00, 0x09, 0x0B, 0x0C, 0x0E, 0x39, 0x3B, (byte) 0x8A, (byte) 0x8D,
        (byte) 0xBA, (byte) 0xFF, 'a', ' '};

    /**
     * Eight bytes at a time finds the same CR or LF (or colon, CR or LF) as a byte loop, at every
     * offset of an eight-byte word, in both byte orders, heap and direct, with runs of near misses
     * around it.
     */
    @ParameterizedTest(name = "direct={0} bigEndian={1}")
    @CsvSource({"false,true", "false,false", "true,true", "true,false"})
    void findsTheFirstLineEndAsAByteLoopDoes(boolean direct, boolean bigEndian) {
        Random random = new Random(11);
        for (int round = 0; round < 20_000; round++) {
            int length = random.nextInt(40);
            ByteBuffer bytes = (direct ? ByteBuffer.allocateDirect(length) : ByteBuffer.allocate(length))
                    .order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < length; i++) {
                int pick = random.nextInt(40);
                bytes.put(i, pick == 0 ? (byte) '\r' : pick == 1 ? (byte) '\n' : pick == 2 ? (byte) ':'
                        : NEAR_MISSES[pick % NEAR_MISSES.length]);
            }
            int from = length == 0 ? 0 : random.nextInt(length);
            int to = from + random.nextInt(length - from + 1);
            assertEquals(byteLoop(bytes, from, to, false), LineEnds.next(bytes, from, to), "round " + round);
            assertEquals(byteLoop(bytes, from, to, true), LineEnds.nextColonOrLineEnd(bytes, from, to), "round " + round);
        }
    }

    @ParameterizedTest(name = "bigEndian={0}")
    @CsvSource({"true", "false"})
    void readsEightBytesAsBigEndianWhateverTheOrder(boolean bigEndian) {
        ByteBuffer bytes = ByteBuffer.allocateDirect(9).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 9; i++) {
            bytes.put(i, (byte) (i + 1));
        }
        assertEquals(0x0203_0405_0607_0809L, LineEnds.bigEndianLong(bytes, 1));
    }

    private static int byteLoop(ByteBuffer bytes, int from, int to, boolean colonToo) {
        for (int i = from; i < to; i++) {
            if (bytes.get(i) == '\r' || bytes.get(i) == '\n' || (colonToo && bytes.get(i) == ':')) {
                return i;
            }
        }
        return to;
    }
}
