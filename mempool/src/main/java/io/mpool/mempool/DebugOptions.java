package io.mpool.mempool;

/**
 * The allocator's debug and safety switches.
 *
 * <p>{@link #FROM_SYSTEM_PROPERTIES} is read once, when this class is loaded, from the
 * {@code mpool.debug.*} system properties; an arena built without explicit options uses it. The
 * options are final fields of the arena and pool, so the fast path pays one predictable branch
 * per switch and nothing else.
 *
 * @param poison       fill released memory with {@link #POISON_FREED} (on reset, free and
 *                     destroy) and fresh allocations with {@link #POISON_FRESH}, so a stale read
 *                     or a read of uninitialised memory shows an obvious pattern (Plan 9's
 *                     {@code POOL_ANTAGONISM}). Property {@code mpool.debug.poison}.
 * @param noPooling    every allocation gets its own exactly-sized buffer that is never reused
 *                     (nginx's {@code NGX_DEBUG_PALLOC}), so stale references never alias live
 *                     memory and every overrun hits a buffer bound. Property
 *                     {@code mpool.debug.noPooling}.
 * @param paranoid     check every invariant of the pool and its arena after each operation
 *                     (slow). Property {@code mpool.debug.paranoid}.
 * @param leakTracking record where each outstanding page and block was taken, for
 *                     {@link PageArena#outstanding()}. Property {@code mpool.debug.leakTracking}.
 */
public record DebugOptions(boolean poison, boolean noPooling, boolean paranoid, boolean leakTracking) {

    /** Pattern written over released memory (Plan 9 pool(2) uses 0xF7 for freed blocks). */
    public static final byte POISON_FREED = (byte) 0xF7;
    /** Pattern written over freshly handed-out memory (Plan 9 pool(2) uses 0xF9). */
    public static final byte POISON_FRESH = (byte) 0xF9;

    /** Every switch off: the production configuration. */
    public static final DebugOptions NONE = new DebugOptions(false, false, false, false);

    /** The switches as the {@code mpool.debug.*} system properties set them at class load. */
    public static final DebugOptions FROM_SYSTEM_PROPERTIES = new DebugOptions(
            Boolean.getBoolean("mpool.debug.poison"),
            Boolean.getBoolean("mpool.debug.noPooling"),
            Boolean.getBoolean("mpool.debug.paranoid"),
            Boolean.getBoolean("mpool.debug.leakTracking"));

    public DebugOptions withPoison(boolean on) {
        return new DebugOptions(on, noPooling, paranoid, leakTracking);
    }

    public DebugOptions withNoPooling(boolean on) {
        return new DebugOptions(poison, on, paranoid, leakTracking);
    }

    public DebugOptions withParanoid(boolean on) {
        return new DebugOptions(poison, noPooling, on, leakTracking);
    }

    public DebugOptions withLeakTracking(boolean on) {
        return new DebugOptions(poison, noPooling, paranoid, on);
    }

    @Override
    public String toString() {
        return "poison=" + poison + " noPooling=" + noPooling + " paranoid=" + paranoid
                + " leakTracking=" + leakTracking;
    }
}
