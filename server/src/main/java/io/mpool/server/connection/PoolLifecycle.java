package io.mpool.server.connection;

import io.mpool.server.stats.ServerStats;

/**
 * Where one connection's memory is in its life, and the one place it moves on: the reset after a
 * request, the idle release of the sweep, the destroy after the close. It is the superclass of
 * {@link ConnectionBufferPool}, not an object the pool holds: its counters and its named state
 * live in the pool's own object, so the state machine costs an idle connection no object header
 * and no reference (a separate object would cost 16 to 24 bytes on every connection).
 *
 * <pre>
 *           request ends, nothing open: reset at once
 *           +-----+
 *           |     v      request ends while something is open
 *   accept --&gt; OPEN  ---------------------------------------&gt; RESET_PENDING
 *              |  ^  &lt;------- the last of it closes: reset --------+
 *        sweep |  | a buffer, a request or an allocation takes memory again
 *              v  |
 *              IDLE    (no request since the last sweep, nothing open: nodes, buffers and the
 *                       request pool itself given back)
 *
 *   any state but DESTROYED --channel closed--&gt; DESTROY_PENDING --nothing open--&gt; DESTROYED
 * </pre>
 *
 * <ul>
 *   <li>A request end owes a reset. It runs as soon as no request is running and no region hold
 *   ({@link RegionHold}) is left, at once in the common case; buffers Undertow holds never delay it
 *   (they are connection memory). Whichever thread releases the last hold runs it.</li>
 *   <li>A connection that served no request since the last sweep and has nothing open gives back
 *   its nodes (the head buffer too: nginx frees an idle keep-alive connection's header buffer),
 *   its free buffers and its cached blocks; the next read takes a node again.</li>
 *   <li>The channel's close owes a destroy; it runs under the same rule and also waits for the
 *   buffers Undertow has not closed (it gives the head buffer's node back), after which every page
 *   is back in the arena and no allocation is served. Region holds and buffers Undertow will never
 *   close do not delay it past the close: they are taken back as leaks
 *   ({@link ConnectionBufferPool#reclaimOrphanedBuffers()}).</li>
 * </ul>
 * Every method runs with the pool's lock held, which is this object.
 */
abstract class PoolLifecycle {

    /** The states, named for what the pool's memory is doing. */
    enum State {
        /** Serving: no reset owed. */
        OPEN,
        /** Requests ended while something was open: the reset that covers them waits for it. */
        RESET_PENDING,
        /** Idle since a sweep: nodes and connection buffers are back in the arena until memory is taken again. */
        IDLE,
        /** The channel closed: the destroy waits for what is still open (at once if nothing is). */
        DESTROY_PENDING,
        /** Every page is back in the arena; no allocation is served any more. */
        DESTROYED
    }

    private final long createdMillis = System.currentTimeMillis();
    private State state = State.OPEN;
    private int requestsRunning;
    /** Request ends the next reset covers (several when a reset waited while pipelined requests ran). */
    private int pendingRequestEnds;
    /** Buffers handed to Undertow and not yet closed (or taken back). */
    private int openBuffers;
    private long requests;
    private long resets;
    /** Whether a request started since the last sweep; true at first, so a new connection gets a sweep's grace. */
    private boolean servedSinceSweep = true;
    /** False once the connection has no request boundaries (an upgrade, HTTP/2). */
    private boolean perRequestReset = true;
    /** What the resets did beyond their count; null until a reset waits or covers more than one end, or someone looks. */
    private ResetHistory history;

    /** The server-wide counters (the listener's: not a field of every connection). */
    abstract ServerStats stats();

    /** Whether region holds keep the request's memory (lock held). */
    abstract boolean hasHolds();

    /** Rewinds the request's memory, covering {@code requestEnds} request ends; calls {@link #resetDone} (lock held). */
    abstract void resetNow(int requestEnds);

    /** Gives every page back (lock held). */
    abstract void destroyNow();

    /** Gives back what an idle connection does not need: nodes, buffers, cached blocks (lock held). */
    abstract void releaseIdleMemoryNow();

    // ---- the transitions ----

    /**
     * Runs what is pending if nothing holds it: the destroy, else the reset. The one place the
     * pool's memory changes hands at the end of a request or of the connection.
     *
     * @return false if something still holds pending work
     */
    final boolean advance() {
        if (requestsRunning > 0 || hasHolds()) {
            return false;
        }
        if (state == State.DESTROY_PENDING) {
            if (openBuffers > 0) {
                return false; // a destroy gives the node back: it waits for the head buffer too
            }
            if (pendingRequestEnds > 0) { // covered by the destroy, without a reset of their own
                history().coalesced(pendingRequestEnds, stats());
                pendingRequestEnds = 0;
            }
            state = State.DESTROYED;
            destroyNow();
        } else if (state == State.RESET_PENDING) {
            int covered = pendingRequestEnds;
            pendingRequestEnds = 0;
            state = State.OPEN;
            resets++;
            resetNow(covered); // buffers Undertow holds are connection memory: a reset leaves them alone
        }
        return true;
    }

    /** A request starts: it counts as running until {@link #requestEnding()}. */
    final void requestStarting() {
        requestsRunning++;
        requests++;
        servedSinceSweep = true;
        memoryTaken();
    }

    /** A request completed: its reset is due, now or once nothing is open. */
    final void requestEnding() {
        requestsRunning--;
        assert requestsRunning >= 0 : this + ": more requests ended than started";
        if (perRequestReset) {
            pendingRequestEnds++;
            if (state == State.OPEN || state == State.IDLE) {
                state = State.RESET_PENDING;
            }
        }
        if (!advance() && perRequestReset) {
            history().deferred(stats());
        }
    }

    /** Memory is taken (a buffer, an allocation): an idle pool serves again. */
    final void memoryTaken() {
        if (state == State.IDLE) {
            state = State.OPEN;
        }
    }

    final void bufferHandedOut() {
        openBuffers++;
        memoryTaken();
    }

    /**
     * Undertow closed a buffer. Only a destroy waits for buffers (a reset waits for requests and
     * holds alone), so only a pending destroy may run now: an HTTP/2 connection returns a buffer
     * per frame, and none of them needs the transitions checked.
     */
    final void bufferReturned() {
        openBuffers--;
        assert openBuffers >= 0 : this + ": more buffers closed than handed out";
        if (state == State.DESTROY_PENDING && openBuffers == 0) {
            advance();
        }
    }

    /** Every open buffer was taken back at the close (their handles are stale); pending work may run now. */
    final void buffersTakenBack() {
        openBuffers = 0;
        advance();
    }

    /** The channel closed: the destroy runs as soon as nothing is open. Idempotent. */
    final void closing() {
        if (state != State.DESTROY_PENDING && state != State.DESTROYED) {
            state = State.DESTROY_PENDING;
            advance();
        }
    }

    /**
     * Once a sweep: a connection that served no request since the last sweep and has nothing
     * open and nothing pending gives back its memory and is idle until it takes some again.
     */
    final void swept() {
        if (state == State.OPEN && !servedSinceSweep && requestsRunning == 0 && openBuffers == 0) {
            releaseIdleMemoryNow();
            state = State.IDLE;
        }
        servedSinceSweep = false;
    }

    /** No more per-request resets: the connection has no request boundaries from now on. */
    final void stopPerRequestReset() {
        perRequestReset = false;
    }

    /**
     * Whether the reset about to run for {@code requestEnds} is recorded beyond its count: in the
     * history (someone looked, a reset waited or covered more than one end) or as a JFR event.
     * Only then are its figures read for {@link #resetDone} (else it gets zeros): they live in
     * objects a request does not otherwise touch (the large list, the connection), cold cache
     * lines when a thousand connections take turns.
     */
    final boolean resetRecorded(int requestEnds) {
        return history != null || requestEnds != 1 || PoolResetEvent.enabled();
    }

    /** Connection {@code id}'s reset ran, covering {@code requestEnds}: counted, recorded if anyone looks. */
    final void resetDone(long id, long bytesBefore, int nodeCount, int large, int requestEnds) {
        if (history == null && requestEnds == 1) {
            ResetHistory.counted(id, bytesBefore, nodeCount, large, stats());
        } else {
            history().reset(id, bytesBefore, nodeCount, large, requestEnds, stats());
        }
    }

    final ResetHistory history() {
        if (history == null) {
            history = new ResetHistory(createdMillis);
        }
        return history;
    }

    // ---- what the pool asks ----

    /** Request ends covered by a reset that ran for another one, or by the destroy. */
    final long coalesced() {
        return history == null ? 0 : history.coalesced();
    }

    final long createdMillis() {
        return createdMillis;
    }

    final State state() {
        return state;
    }

    /** Closing or closed: no more allocations. */
    final boolean isClosing() {
        return state == State.DESTROY_PENDING || state == State.DESTROYED;
    }

    final boolean isDestroyed() {
        return state == State.DESTROYED;
    }

    final boolean isResetPending() {
        return pendingRequestEnds > 0;
    }

    final int requestsRunning() {
        return requestsRunning;
    }

    final int openBuffers() {
        return openBuffers;
    }

    final long requests() {
        return requests;
    }

    /** Resets run (each may cover several request ends). */
    final long resets() {
        return resets;
    }
}
