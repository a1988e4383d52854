package io.mpool.mempool;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;

/**
 * Gives direct memory back to the operating system now rather than at the collector's leisure:
 * {@code sun.misc.Unsafe.invokeCleaner} (module {@code jdk.unsupported}, readable from the class
 * path; the call Netty's {@code PlatformDependent.freeDirectBuffer} makes on Java 9+). Where it
 * is not available the buffer is only dropped, and the memory goes when the collector finds it.
 */
final class DirectMemory {
    /** {@code unsafe.invokeCleaner(ByteBuffer)} bound to the instance, or null when unavailable. */
    private static final MethodHandle INVOKE_CLEANER = findInvokeCleaner();

    private DirectMemory() {
    }

    /** True when {@link #free} really frees at once. */
    static boolean freesAtOnce() {
        return INVOKE_CLEANER != null;
    }

    /**
     * Frees {@code buffer}'s memory at once if the JDK allows it; afterwards neither the buffer nor
     * any slice of it may be touched (a read would read freed memory, or crash the JVM).
     *
     * @param buffer a buffer from {@link ByteBuffer#allocateDirect}, not a slice or duplicate
     * @return true if the memory was freed now, false if it is left to the collector
     */
    static boolean free(ByteBuffer buffer) {
        if (INVOKE_CLEANER == null) {
            return false;
        }
        try {
            INVOKE_CLEANER.invokeExact(buffer);
            return true;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("invokeCleaner failed for " + buffer, e);
        }
    }

    private static MethodHandle findInvokeCleaner() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            Object unsafe = theUnsafe.get(null);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(unsafe);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // no jdk.unsupported (a jlinked runtime without it): drop and let the GC free
        }
    }
}
