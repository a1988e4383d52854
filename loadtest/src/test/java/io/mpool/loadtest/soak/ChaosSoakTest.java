package io.mpool.loadtest.soak;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The chaos soak, short in the default build and two minutes with -Pslow. */
class ChaosSoakTest {

    @Test
    void aShortSoakPasses() throws Exception {
        ChaosSoak.Result result = ChaosSoak.run(Duration.ofSeconds(12), 8);
        System.out.print(result.summary());
        assertTrue(result.passed(), result.summary());
    }

    @Test
    @Tag("slow")
    void aTwoMinuteSoakPasses() throws Exception {
        ChaosSoak.Result result = ChaosSoak.run(Duration.ofMinutes(2), 16);
        System.out.print(result.summary());
        assertTrue(result.passed(), result.summary());
    }
}
