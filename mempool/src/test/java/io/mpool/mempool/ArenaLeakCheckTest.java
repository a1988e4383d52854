package io.mpool.mempool;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ArenaLeakCheckTest {

    @Test
    void failsNamingTheBlockAndTheSiteThatTookIt() throws InterruptedException {
        ArenaLeakCheck check = new ArenaLeakCheck();
        PageArena arena = check.newArena(1 << 20);
        MpPool pool = MpPool.create(arena);

        AssertionError error = assertThrows(AssertionError.class, check::verifyNoOutstanding);
        assertTrue(error.getMessage().contains("pagesInUse=1"), error.getMessage());
        assertTrue(error.getMessage().contains("MpPool.create"), error.getMessage());

        pool.destroy();
        assertDoesNotThrow(check::verifyNoOutstanding);
    }
}
