package io.mpool.mempool;

/** The invariants of one {@link MpPool}, checked by {@link MpPool#checkInvariants()}. */
final class PoolInvariants {
    private PoolInvariants() {
    }

    static void check(MpPool pool) {
        pool.checkLive();
        String name = pool.name();
        if (pool.head() == null) {
            checkEmpty(pool, name);
            return;
        }
        long used = 0;
        int count = 0;
        boolean currentSeen = false;
        for (Node node = pool.head(); node != null; node = node.next) {
            if (node.last < 0 || node.last > node.end || node.end != MpPool.NODE_SIZE || node.failed < 0) {
                throw new IllegalStateException(name + ": node " + node.index + " broken: last="
                        + node.last + " end=" + node.end + " failed=" + node.failed);
            }
            if (!node.page.inUse()) {
                throw new IllegalStateException(name + ": node " + node.index + " page was released");
            }
            currentSeen |= node == pool.current();
            used += node.last;
            count++;
        }
        if (pool.head().last < pool.keptBytes()) {
            throw new IllegalStateException(name + ": head node last=" + pool.head().last + " is inside the "
                    + pool.keptBytes() + " kept bytes");
        }
        if (!currentSeen) {
            throw new IllegalStateException(name + ": current is not on the node chain");
        }
        if (count != pool.nodeCount()) {
            throw new IllegalStateException(name + ": nodeCount=" + pool.nodeCount() + " but chain has " + count);
        }
        if (used != pool.nodeBytesInUse()) {
            throw new IllegalStateException(name + ": node bytesInUse=" + pool.nodeBytesInUse()
                    + " but the nodes account for " + used);
        }
        pool.large().check(name);
        pool.arena().checkInvariants();
    }

    /** A pool whose nodes {@link MpPool#releaseNodes()} gave back holds nothing from the arena. */
    private static void checkEmpty(MpPool pool, String name) {
        LargeList large = pool.large();
        if (pool.current() != null || pool.nodeCount() != 0 || pool.nodeBytesInUse() != 0
                || pool.keptBytes() != 0) {
            throw new IllegalStateException(name + ": no head node but current=" + pool.current()
                    + " nodeCount=" + pool.nodeCount() + " node bytesInUse=" + pool.nodeBytesInUse()
                    + " keptBytes=" + pool.keptBytes());
        }
        if (large.liveCount() != 0 || large.cachedCount() != 0) {
            throw new IllegalStateException(name + ": no head node but " + large.liveCount()
                    + " live large blocks and " + large.cachedCount() + " cached ones");
        }
        large.check(name);
        pool.arena().checkInvariants();
    }
}
