package io.mpool.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {

    @Test
    void returnsTheFirstValueThatPasses() {
        AtomicInteger polls = new AtomicInteger();
        int seen = Await.until("three polls", Duration.ofSeconds(10), polls::incrementAndGet, n -> n == 3);
        assertEquals(3, seen);
        assertEquals(3, polls.get(), "no observation after the one that passed");
    }

    @Test
    void aWaitThatGivesUpSaysWhatItWaitedForAndWhatItLastSaw() {
        AssertionError error = assertThrows(AssertionError.class,
                () -> Await.until("the answer", Duration.ZERO, () -> 41, n -> n == 42));
        assertEquals("gave up after 0 ms waiting for the answer; last saw: 41", error.getMessage());
    }

    @Test
    void anObservationThatThrowsFailsTheWaitWithItsCause() {
        IOException refused = new IOException("connection refused");
        AssertionError error = assertThrows(AssertionError.class, () -> Await.until("a listener", Duration.ofSeconds(10),
                () -> {
                    throw refused;
                }, x -> true));
        assertTrue(error.getMessage().startsWith("observation failed while waiting for a listener: "), error.getMessage());
        assertEquals(refused, error.getCause());
    }
}
