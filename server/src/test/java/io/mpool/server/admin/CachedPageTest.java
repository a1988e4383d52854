package io.mpool.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@link CachedPage} on a clock and a build runner the test moves by hand: which requests share a
 * build, when the next may start, what a client that loops or asks for {@code no-cache} gets.
 */
class CachedPageTest {
    private static final long WINDOW = 1_000;

    /** The clock, the builds asked for (run when the test says) and what each build made. */
    private final AtomicLong now = new AtomicLong(10_000);
    private final AtomicLong sequences = new AtomicLong();
    private final Deque<Scheduled> scheduled = new ArrayDeque<>();
    private int builds;
    private final CachedPage page = new CachedPage("test", WINDOW, now::get, now::get, sequences::incrementAndGet,
            () -> new CachedPage.Body(("build " + builds).getBytes(StandardCharsets.UTF_8), "text/plain"),
            (build, delay) -> scheduled.add(new Scheduled(build, now.get() + delay)), () -> builds++);

    private record Scheduled(Runnable build, long at) {
    }

    /** Runs the next scheduled build at the time it was scheduled for. */
    private void runNextBuild() {
        Scheduled next = scheduled.poll();
        assertNotNull(next, "a build was scheduled");
        now.set(Math.max(now.get(), next.at()));
        next.build().run();
    }

    /** One request's answer, once it has one. */
    private static final class Answer {
        CachedPage.Page page;
        boolean reused;

        long sequence() {
            return page == null ? 0 : page.sequence();
        }
    }

    private Answer ask(long lastSequence, boolean fresh) {
        return ask(page, lastSequence, fresh);
    }

    private static Answer ask(CachedPage page, long lastSequence, boolean fresh) {
        Answer answer = new Answer();
        CachedPage.Page reused = page.request(lastSequence, fresh, built -> answer.page = built);
        if (reused != null) {
            answer.page = reused;
            answer.reused = true;
        }
        return answer;
    }

    @Test
    void requestsArrivingTogetherShareOneBuild() {
        List<Answer> answers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            answers.add(ask(0, false));
        }
        assertEquals(1, scheduled.size(), "one build for fifty requests");
        runNextBuild();
        for (Answer answer : answers) {
            assertEquals(1, answer.sequence());
        }
        assertEquals(1, builds);
        assertEquals(0, page.waiting());
    }

    @Test
    void aNewClientWithinTheWindowGetsTheLastBuildAtOnce() {
        Answer first = ask(0, false);
        runNextBuild();
        now.addAndGet(WINDOW);
        Answer second = ask(0, false);
        assertTrue(second.reused);
        assertSame(first.page, second.page);
        assertTrue(scheduled.isEmpty(), "no build");

        now.addAndGet(1);
        Answer late = ask(0, false);
        assertNull(late.page, "past the window: it waits for a build");
        runNextBuild();
        assertEquals(2, late.sequence());
    }

    @Test
    void aClientAskingAgainWaitsForTheNextBuildOneWindowAfterTheLast() {
        Answer first = ask(0, false);
        long started = now.get();
        runNextBuild();
        Answer again = ask(first.sequence(), false);
        assertNull(again.page, "not the same page twice");
        assertEquals(started + WINDOW, scheduled.peek().at(), "the next build one window after the last began");
        runNextBuild();
        assertEquals(2, again.sequence());
        assertEquals(2, builds);
    }

    @Test
    void noCacheWaitsForABuildThatStartedAfterIt() {
        Answer first = ask(0, false);
        runNextBuild();
        now.addAndGet(10);
        Answer fresh = ask(0, true);
        assertNull(fresh.page, "the page from before it arrived is not sent");
        runNextBuild();
        assertEquals(2, fresh.sequence());
        assertTrue(fresh.page.startNanos() >= first.page.startNanos() + WINDOW);
    }

    @Test
    void duringABuildNoCacheWaitsForTheNextAndOthersTakeTheRunningOne() {
        Answer[] during = new Answer[2];
        CachedPage[] racing = new CachedPage[1];
        racing[0] = new CachedPage("racing", WINDOW, now::get, now::get, sequences::incrementAndGet, () -> {
            if (during[0] == null) { // requests arrive while the first build runs
                now.addAndGet(5);
                during[0] = ask(racing[0], 0, false);
                during[1] = ask(racing[0], 0, true);
            }
            return new CachedPage.Body(new byte[0], "text/plain");
        }, (build, delay) -> scheduled.add(new Scheduled(build, now.get() + delay)), () -> builds++);
        Answer before = ask(racing[0], 0, true);
        runNextBuild();
        assertEquals(1, before.sequence(), "no-cache before the build began: the build is fresh for it");
        assertEquals(1, during[0].sequence(), "arrived during the build: takes it");
        assertNull(during[1].page, "no-cache during the build: waits for the next");
        assertEquals(1, scheduled.size());
        runNextBuild();
        assertEquals(2, during[1].sequence());
    }

    @Test
    void fiftyClientsLoopingForTenWindowsCostAtMostElevenBuilds() {
        int clients = 50;
        long[] last = new long[clients];
        Answer[] pending = new Answer[clients];
        long end = now.get() + 10 * WINDOW;
        int answered = 0;
        while (now.get() < end) {
            for (int c = 0; c < clients; c++) {
                if (pending[c] == null || pending[c].page != null) {
                    if (pending[c] != null) {
                        assertTrue(pending[c].sequence() > last[c], "client " + c + " never gets a page twice");
                        last[c] = pending[c].sequence();
                        answered++;
                    }
                    pending[c] = ask(last[c], c % 2 == 0);
                }
            }
            if (scheduled.isEmpty()) {
                now.addAndGet(1);
            } else {
                runNextBuild();
            }
        }
        assertTrue(builds <= 11, "builds " + builds);
        assertTrue(answered >= clients * (builds - 1), "each build answered every client: " + answered);
    }

    @Test
    void aSlowBuildKeepsTheNextOneTenTimesItsCpuTimeAway() {
        long took = 300; // a build of 300 (CPU time) on a window of 1,000: the next starts 3,000 after it
        CachedPage slow = new CachedPage("slow", WINDOW, now::get, now::get, sequences::incrementAndGet, () -> {
            now.addAndGet(took);
            return new CachedPage.Body(new byte[0], "text/plain");
        }, (build, delay) -> scheduled.add(new Scheduled(build, now.get() + delay)), () -> builds++);
        long started = now.get();
        Answer first = ask(slow, 0, false);
        runNextBuild();
        now.addAndGet(2 * WINDOW);
        Answer newClient = ask(slow, 0, false);
        assertTrue(newClient.reused, "older than the window, younger than the interval: reused");
        Answer again = ask(slow, first.sequence(), false);
        assertNull(again.page);
        assertEquals(started + took * CachedPage.BUILD_SHARE, scheduled.peek().at());
        runNextBuild();
        assertEquals(2, again.sequence());
    }

    @Test
    void aFailedBuildAnswers500AndIsNotKept() {
        CachedPage failing = new CachedPage("failing", WINDOW, now::get, now::get, sequences::incrementAndGet, () -> {
            throw new IllegalStateException("boom");
        }, (build, delay) -> scheduled.add(new Scheduled(build, now.get() + delay)), () -> builds++);
        Answer answer = new Answer();
        assertNull(failing.request(0, false, built -> answer.page = built));
        runNextBuild();
        assertEquals(500, answer.page.status());
        assertTrue(new String(answer.page.body().bytes(), StandardCharsets.UTF_8).contains("boom"));
        assertNull(failing.request(0, false, built -> { }), "nothing kept: the next request waits for a build");
    }

    @Test
    void aNegativeWindowIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CachedPage("x", -1,
                now::get, now::get, sequences::incrementAndGet, () -> null, (build, delay) -> { }, () -> { }));
        assertEquals("windowNanos=-1 (expected: >= 0)", e.getMessage());
    }
}
