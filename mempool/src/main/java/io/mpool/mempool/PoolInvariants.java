package io.mpool.mempool;

/** The invariants of one {@link MpPool}, checked by {@link MpPool#checkInvariants()}. */
final class PoolInvariants {
    private PoolInvariants() {
    }

    static void check(MpPool pool) {
        pool.checkLive();
        long used = 0;
        int count = 0;
        boolean currentSeen = false;
        for (Node node = pool.head; node != null; node = node.next) {
            if (node.last < 0 || node.last > node.end || node.end != MpPool.NODE_SIZE || node.failed < 0) {
                throw new IllegalStateException(pool.name + ": node " + node.index + " broken: last="
                        + node.last + " end=" + node.end + " failed=" + node.failed);
            }
            if (!node.page.inUse()) {
                throw new IllegalStateException(pool.name + ": node " + node.index + " page was released");
            }
            currentSeen |= node == pool.current;
            used += node.last;
            count++;
        }
        if (pool.head.last < pool.keptBytes) {
            throw new IllegalStateException(pool.name + ": head node last=" + pool.head.last + " is inside the "
                    + pool.keptBytes + " kept bytes");
        }
        if (!currentSeen) {
            throw new IllegalStateException(pool.name + ": current is not on the node chain");
        }
        if (count != pool.nodeCount) {
            throw new IllegalStateException(pool.name + ": nodeCount=" + pool.nodeCount + " but chain has " + count);
        }
        long largeReserved = 0;
        long largeUsed = 0;
        for (LargeAllocation entry = pool.large; entry != null; entry = entry.next) {
            if (entry.live()) {
                largeUsed += entry.size;
                if (!entry.block.inUse()) {
                    throw new IllegalStateException(pool.name + ": large block released but still listed: "
                            + entry.block);
                }
                used += entry.size;
                largeReserved += entry.block.memory.capacity();
            }
        }
        if (used != pool.bytesInUse) {
            throw new IllegalStateException(pool.name + ": bytesInUse=" + pool.bytesInUse + " but nodes and large"
                    + " entries account for " + used);
        }
        pool.retained.check(pool.name);
        if (largeUsed != pool.largeBytesInUse) {
            throw new IllegalStateException(pool.name + ": largeBytesInUse=" + pool.largeBytesInUse
                    + " but live entries account for " + largeUsed);
        }
        if (largeReserved != pool.largeBytesReserved) {
            throw new IllegalStateException(pool.name + ": largeBytesReserved=" + pool.largeBytesReserved
                    + " but live entries hold " + largeReserved);
        }
        pool.arena.checkInvariants();
    }
}
