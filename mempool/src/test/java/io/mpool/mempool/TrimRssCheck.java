package io.mpool.mempool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Shows what a trim does to the process's resident memory (Linux): reserves a 64 MiB arena full
 * of pages, releases them, trims, and prints {@code VmRSS} from {@code /proc/self/status} at each
 * step. Not a test (resident memory depends on the machine); run it by hand:
 *
 * <pre>
 * mvn -B -o -q -pl mempool test-compile -Dcheckstyle.skip
 * java -cp mempool/target/classes:mempool/target/test-classes io.mpool.mempool.TrimRssCheck
 * </pre>
 */
public final class TrimRssCheck {
    private static final long ARENA_BYTES = 64L << 20;

    private TrimRssCheck() {
    }

    public static void main(String[] args) throws IOException {
        PageArena arena = PageArena.builder().maxBytes(ARENA_BYTES).debug(DebugOptions.NONE).build();
        long start = vmRssKib();
        System.out.printf("start            VmRSS=%,7d KiB%n", start);
        List<ArenaBlock> pages = PageArenaReclaimTest.fill(arena, "page");
        long full = vmRssKib();
        System.out.printf("%,d pages taken  VmRSS=%,7d KiB (+%,d) reservedBytes=%,d%n", pages.size(), full,
                full - start, arena.stats().reservedBytes());
        pages.forEach(arena::release);
        long released = vmRssKib();
        System.out.printf("all released     VmRSS=%,7d KiB (+%,d) reservedBytes=%,d%n", released, released - start,
                arena.stats().reservedBytes());
        long given = arena.trim(0);
        long trimmed = vmRssKib();
        System.out.printf("trim(0)          VmRSS=%,7d KiB (+%,d) reservedBytes=%,d given=%,d freesAtOnce=%s%n",
                trimmed, trimmed - start, arena.stats().reservedBytes(), given, DirectMemory.freesAtOnce());
        System.out.printf("trim gave back %,d KiB of resident memory%n", released - trimmed);
    }

    private static long vmRssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS line in /proc/self/status");
    }
}
