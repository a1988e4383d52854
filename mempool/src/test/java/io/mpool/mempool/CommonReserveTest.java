package io.mpool.mempool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommonReserveTest {
    private static final int CHUNK = CommonReserve.PAGES_PER_CHUNK;

    @Test
    void aWholeChunkSplitsDownAndMergesBackWhole() {
        CommonReserve reserve = new CommonReserve();
        reserve.addChunk(0, CHUNK);
        List<Integer> pages = new ArrayList<>();
        for (int i = 0; i < CHUNK; i++) {
            pages.add(reserve.allocate(0));
        }
        assertEquals(-1, reserve.allocate(0));
        for (int i = 0; i < CHUNK; i++) {
            assertEquals(i, pages.get(i), "address-ordered first fit");
        }
        assertEquals(-1, reserve.largestFreeOrder());
        pages.forEach(page -> reserve.free(page, 0));
        assertEquals(CommonReserve.MAX_ORDER, reserve.largestFreeOrder());
        assertEquals(0, reserve.allocate(CommonReserve.MAX_ORDER), "merged back into one chunk");
    }

    @Test
    void buddiesInDifferentChunksNeverMerge() {
        CommonReserve reserve = new CommonReserve();
        reserve.addChunk(0, CHUNK);
        reserve.addChunk(CHUNK, CHUNK);
        assertEquals(0, reserve.allocate(CommonReserve.MAX_ORDER));
        assertEquals(CHUNK, reserve.allocate(CommonReserve.MAX_ORDER));
        reserve.free(CHUNK, CommonReserve.MAX_ORDER);
        reserve.free(0, CommonReserve.MAX_ORDER);
        assertEquals(2L * CHUNK, reserve.freePages());
        List<int[]> blocks = new ArrayList<>();
        reserve.forEachFreeBlock((page, order) -> blocks.add(new int[] {page, order}));
        assertEquals(2, blocks.size());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 63, 64, 65, 80, 255, 256})
    void aShortChunkGoesInAsAlignedPiecesThatNeverMergePastItsEnd(int pages) {
        CommonReserve reserve = new CommonReserve();
        reserve.addChunk(CHUNK, pages);
        assertEquals(pages, reserve.freePages());
        List<int[]> blocks = new ArrayList<>();
        reserve.forEachFreeBlock((page, order) -> blocks.add(new int[] {page, order}));
        assertEquals(Integer.bitCount(pages), blocks.size());
        for (int[] block : blocks) {
            assertEquals(0, block[0] % (1 << block[1]), "aligned");
            assertTrue(block[0] + (1 << block[1]) <= CHUNK + pages, "inside the chunk");
        }
        int[] taken = new int[pages];
        for (int i = 0; i < pages; i++) {
            taken[i] = reserve.allocate(0);
            assertTrue(taken[i] >= CHUNK && taken[i] < CHUNK + pages, "page " + taken[i]);
        }
        assertEquals(-1, reserve.allocate(0));
        for (int page : taken) {
            reserve.free(page, 0);
        }
        List<int[]> after = new ArrayList<>();
        reserve.forEachFreeBlock((page, order) -> after.add(new int[] {page, order}));
        assertEquals(Integer.bitCount(pages), after.size(), "merged back into the same pieces");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 63, 64, 65, 80, 255, 256})
    void aChunkComesOutOnlyWhenEveryPageOfItIsFree(int pages) {
        CommonReserve reserve = new CommonReserve();
        reserve.addChunk(0, CHUNK);
        reserve.addChunk(CHUNK, pages);
        List<Integer> taken = new ArrayList<>();
        for (int i = 0; i < CHUNK + pages; i++) {
            taken.add(reserve.allocate(0));
        }
        int held = CHUNK + pages - 1; // the last page of the second chunk
        taken.stream().filter(page -> page != held).forEach(page -> reserve.free(page, 0));
        assertFalse(reserve.removeChunkIfFree(CHUNK, pages), "a page in use keeps its chunk");
        assertEquals(CHUNK + pages - 1, reserve.freePages(), "and nothing changed");
        assertTrue(reserve.removeChunkIfFree(0, CHUNK));
        assertEquals(pages - 1, reserve.freePages());
        assertEquals(-1, reserve.allocate(CommonReserve.MAX_ORDER), "the whole chunk is gone");
        reserve.free(held, 0);
        assertTrue(reserve.removeChunkIfFree(CHUNK, pages));
        assertEquals(0, reserve.freePages());
        assertEquals(-1, reserve.largestFreeOrder());
        reserve.addChunk(0, CHUNK); // its slot taken by the next chunk
        assertEquals(0, reserve.allocate(CommonReserve.MAX_ORDER));
    }

    @Test
    void shortRandomSequencesMatchTheModel() {
        run(200, 2_000);
    }

    @Test
    @Tag("slow")
    void longRandomSequencesMatchTheModel() {
        run(500, 50_000);
    }

    /**
     * Random allocate/free against a model that records which pages are handed out: a handed-out
     * block never overlaps another, the reserve refuses an order only when the model has no free
     * aligned run of that order, and freeing everything merges every chunk whole again.
     */
    private static void run(int sequences, int steps) {
        for (int seed = 0; seed < sequences; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            int chunks = 1 + random.nextInt(3);
            int lastPages = 1 + random.nextInt(CHUNK);
            int total = (chunks - 1) * CHUNK + lastPages;
            CommonReserve reserve = new CommonReserve();
            for (int c = 0; c < chunks; c++) {
                reserve.addChunk(c * CHUNK, c == chunks - 1 ? lastPages : CHUNK);
            }
            boolean[] taken = new boolean[chunks * CHUNK];
            List<int[]> held = new ArrayList<>();
            for (int step = 0; step < steps; step++) {
                if (held.isEmpty() || random.nextInt(100) < 55) {
                    int order = random.nextInt(CommonReserve.MAX_ORDER + 1);
                    int page = reserve.allocate(order);
                    if (page < 0) {
                        assertTrue(!hasFreeRun(taken, total, order), "seed " + seed + " step " + step
                                + ": refused order " + order + " with a free aligned run");
                        continue;
                    }
                    assertEquals(0, page % (1 << order), "seed " + seed + " aligned");
                    for (int p = page; p < page + (1 << order); p++) {
                        assertTrue(p < total && !taken[p], "seed " + seed + " step " + step + " page " + p);
                        taken[p] = true;
                    }
                    held.add(new int[] {page, order});
                } else {
                    int[] block = held.remove(random.nextInt(held.size()));
                    for (int p = block[0]; p < block[0] + (1 << block[1]); p++) {
                        taken[p] = false;
                    }
                    reserve.free(block[0], block[1]);
                }
                long heldPages = held.stream().mapToLong(b -> 1L << b[1]).sum();
                assertEquals(total - heldPages, reserve.freePages(), "seed " + seed + " step " + step);
            }
            held.forEach(block -> reserve.free(block[0], block[1]));
            List<int[]> pieces = new ArrayList<>();
            reserve.forEachFreeBlock((page, order) -> pieces.add(new int[] {page, order}));
            assertEquals(chunks - 1 + Integer.bitCount(lastPages), pieces.size(), "seed " + seed + " merged whole");
        }
    }

    private static boolean hasFreeRun(boolean[] taken, int total, int order) {
        int size = 1 << order;
        for (int start = 0; start + size <= total; start += size) {
            if (start / CHUNK != (start + size - 1) / CHUNK) {
                continue;
            }
            boolean free = true;
            for (int p = start; p < start + size && free; p++) {
                free = !taken[p];
            }
            if (free) {
                return true;
            }
        }
        return false;
    }
}
