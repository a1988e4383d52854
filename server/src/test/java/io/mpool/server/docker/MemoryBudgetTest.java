package io.mpool.server.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The entrypoint's memory arithmetic: what it derives always fits the limit; what cannot fit is refused by name. */
class MemoryBudgetTest {
    private final Path root = ProjectFiles.root();

    @ParameterizedTest
    @ValueSource(strings = {"256Mi", "257Mi", "300m", "512Mi", "1Gi", "1g", "1073741824", "2Gi", "16Gi"})
    void theDerivedBudgetFitsTheLimit(String limit) {
        MemoryBudget budget = MemoryBudget.of(root, limit, null);
        assertEquals(Quantities.mebibytes(limit), budget.limit());
        assertTrue(budget.total() <= budget.limit(), budget.toString());
        assertEquals(budget.limit() / 4, budget.heap(), budget.toString());
        assertEquals(budget.direct() - 32, budget.arena(), "32 MiB of direct memory beside the arena: " + budget);
        assertTrue(budget.arena() >= 48, "the arena at the smallest limit: " + budget);
    }

    @ParameterizedTest
    @ValueSource(strings = {"255Mi", "0", "1Mi"})
    void aLimitBelowTheMinimumIsRefusedNamingIt(String limit) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.of(root, limit, null));
        assertTrue(e.getMessage().contains("(MPOOL_MEMORY_LIMIT=" + limit + ") is below the 256 MiB"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1GB", "512 Mi", "-1", "lots"})
    void anUnreadableLimitIsRefusedNamingIt(String limit) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.of(root, limit, null));
        assertEquals("MPOOL_MEMORY_LIMIT=" + limit + " (expected: bytes, or a size such as 512Mi, 512m, 1Gi, 1g)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"64m", "576m"})
    void anArenaGivenThatFitsIsKept(String arena) {
        MemoryBudget budget = MemoryBudget.of(root, "1Gi", arena);
        assertEquals(Quantities.mebibytes(arena), budget.arena());
        assertEquals(budget.arena() + 32, budget.direct());
        assertTrue(budget.total() <= budget.limit(), budget.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"577m", "1g"})
    void anArenaGivenThatDoesNotFitIsRefused(String arena) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.of(root, "1Gi", arena));
        assertTrue(e.getMessage().startsWith("MPOOL_ARENA_MAX=" + arena + " does not fit the 1024 MiB limit: heap 256 + direct "),
                e.getMessage());
    }
}
