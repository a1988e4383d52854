package io.mpool.mempool;

/** The invariants of one {@link MpPool}, checked by {@link MpPool#checkInvariants()}. */
final class PoolInvariants {
    private PoolInvariants() {
    }

    /** Checks {@code pool}, whose internals are {@code head}, {@code current}, its node bytes in use and its large list. */
    static void check(MpPool pool, Node head, Node current, long nodeBytesInUse, LargeList large) {
        pool.checkLive();
        String name = pool.name();
        if (head == null) {
            checkEmpty(pool, name, current, nodeBytesInUse, large);
            return;
        }
        long used = 0;
        int count = 0;
        boolean currentSeen = false;
        for (Node node = head; node != null; node = node.next) {
            if (node.last < 0 || node.last > node.end || node.end != MpPool.NODE_SIZE || node.failed < 0) {
                throw new IllegalStateException(name + ": node " + node.index + " broken: last="
                        + node.last + " end=" + node.end + " failed=" + node.failed);
            }
            if (!node.page.inUse()) {
                throw new IllegalStateException(name + ": node " + node.index + " page was released");
            }
            currentSeen |= node == current;
            used += node.last;
            count++;
        }
        if (head.last < pool.keptBytes()) {
            throw new IllegalStateException(name + ": head node last=" + head.last + " is inside the "
                    + pool.keptBytes() + " kept bytes");
        }
        if (!currentSeen) {
            throw new IllegalStateException(name + ": current is not on the node chain");
        }
        if (count != pool.nodeCount()) {
            throw new IllegalStateException(name + ": nodeCount=" + pool.nodeCount() + " but chain has " + count);
        }
        if (used != nodeBytesInUse) {
            throw new IllegalStateException(name + ": node bytesInUse=" + nodeBytesInUse
                    + " but the nodes account for " + used);
        }
        if (large != null) {
            large.check(name);
        }
        pool.arena().checkInvariants();
    }

    /** A pool whose nodes {@link MpPool#releaseNodes()} gave back holds nothing from the arena. */
    private static void checkEmpty(MpPool pool, String name, Node current, long nodeBytesInUse, LargeList large) {
        if (current != null || pool.nodeCount() != 0 || nodeBytesInUse != 0
                || pool.keptBytes() != 0) {
            throw new IllegalStateException(name + ": no head node but current=" + current
                    + " nodeCount=" + pool.nodeCount() + " node bytesInUse=" + nodeBytesInUse
                    + " keptBytes=" + pool.keptBytes());
        }
        if (large != null) {
            throw new IllegalStateException(name + ": no head node but a large list with " + large.liveCount()
                    + " live large blocks and " + large.cachedCount() + " cached ones");
        }
        pool.arena().checkInvariants();
    }
}
