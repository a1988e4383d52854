package io.mpool.mempool;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * JFR event: a request found the arena at its bound. With the stack trace (on by default) it
 * shows who asked; {@code fallback} tells whether it got an unpooled buffer or a refusal.
 */
@Name("mpool.ArenaExhausted")
@Label("Arena Exhausted")
@Category({"mpool", "Arena"})
@Description("A page or block was asked of an arena at its bound")
final class ArenaExhaustedEvent extends Event {
    @Label("Requested Size")
    @DataAmount
    int requestedBytes;

    @Label("Page")
    @Description("True for a pool node (one page), false for a large block")
    boolean page;

    @Label("Reserved")
    @DataAmount
    long reservedBytes;

    @Label("Max")
    @DataAmount
    long maxBytes;

    @Label("Fallback")
    @Description("True if answered with an unpooled buffer (policy FALLBACK), false if refused")
    boolean fallback;

    static void emit(int requestedBytes, boolean page, long reservedBytes, long maxBytes, boolean fallback) {
        ArenaExhaustedEvent event = new ArenaExhaustedEvent();
        if (event.shouldCommit()) {
            event.requestedBytes = requestedBytes;
            event.page = page;
            event.reservedBytes = reservedBytes;
            event.maxBytes = maxBytes;
            event.fallback = fallback;
            event.commit();
        }
    }
}
