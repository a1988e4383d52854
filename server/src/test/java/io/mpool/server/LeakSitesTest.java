package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.mpool.mempool.ArenaBlock;
import io.mpool.mempool.DebugOptions;
import io.mpool.mempool.PageArena;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With leak tracking on, a block taken and never given back shows where it was taken: on
 * {@code /admin/leaks} (with the admin token, as every admin path) and in the stop summary.
 */
class LeakSitesTest {
    private static final String TOKEN = "leak-sites-token";
    private static final int LEAKED_BYTES = 16384;

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withAdmin("127.0.0.1", TOKEN)
            .withDebug(DebugOptions.NONE.withLeakTracking(true)));

    @Test
    void aLeakedBlockShowsItsSiteOnTheAdminRoute() throws Exception {
        PageArena arena = fixture.server().arena();
        ArenaBlock leaked = leakABlockOnPurpose(arena);
        try {
            assertEquals(401, fixture.admin("/admin/leaks", null).status(), "the admin token rules");
            ServerFixture.AdminAnswer answer = fixture.admin("/admin/leaks", TOKEN);
            assertEquals(200, answer.status(), answer.body());
            JsonNode leaks = answer.json();
            assertTrue(leaks.path("leakTracking").asBoolean(), answer.body());
            assertEquals(1, leaks.path("outstandingBlocks").asLong(), answer.body());
            JsonNode site = leaks.path("sites").get(0);
            assertEquals(1, site.path("blocks").asInt(), answer.body());
            assertEquals(LEAKED_BYTES, site.path("bytes").asLong(), answer.body());
            assertTrue(site.path("takenAt").get(0).asText().startsWith(LeakSitesTest.class.getName()
                    + ".leakABlockOnPurpose(LeakSitesTest.java:"), answer.body());
        } finally {
            arena.release(leaked);
        }
        JsonNode after = fixture.admin("/admin/leaks", TOKEN).json();
        assertEquals(0, after.path("sites").size(), after.toString());
    }

    @Test
    void theStopSummaryListsWhereOutstandingMemoryWasTaken() {
        PageArena arena = fixture.server().arena();
        ArenaBlock leaked = leakABlockOnPurpose(arena);
        try {
            String summary = fixture.server().stop(Duration.ofSeconds(2));
            assertTrue(summary.contains(" (memory still outstanding)\n1 block(s) outstanding, by where they were taken"
                    + " (at most 10 sites):\n  1 block(s), " + LEAKED_BYTES + " bytes, taken at\n\t"
                    + LeakSitesTest.class.getName() + ".leakABlockOnPurpose(LeakSitesTest.java:"), summary);
        } finally {
            arena.release(leaked);
        }
    }

    private static ArenaBlock leakABlockOnPurpose(PageArena arena) {
        return arena.takeLarge(LEAKED_BYTES);
    }
}
