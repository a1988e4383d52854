package io.mpool.server.transport;

import java.io.Closeable;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.xnio.XnioExecutor;
import org.xnio.channels.AcceptingChannel;

/**
 * Ends XNIO's accept back-off as soon as a file descriptor is free again.
 *
 * <p>When {@code accept(2)} fails (EMFILE: the process is out of file descriptors), XNIO 3.8
 * ({@code NioTcpServerHandle.startBackOff}) stops accepting for 250 ms, four times longer after
 * every further failure, up to 30 s, and only a successful accept resets that. A flood that keeps
 * the descriptors used up for a few seconds therefore left the listener deaf for up to 30 s after
 * they were free again (13-20 s measured). XNIO has no option to bound the back-off, and neither
 * {@code wakeupAccepts} nor {@code resumeAccepts} ends it.
 *
 * <p>So every {@link #PROBE_INTERVAL}, on each listener's accept thread (the thread that owns
 * the back-off state), this looks whether the listener is backed off; if it is, it opens and
 * closes one socket, and if that works, ends the back-off (XNIO's own {@code endBackOff}). The
 * listener then accepts within {@link #PROBE_INTERVAL} of a descriptor coming free. While none is
 * free it does nothing, so XNIO still does not spin on a failing accept.
 *
 * <p>The back-off state is package-private in XNIO's NIO provider, reached here by reflection. If
 * it is not there (another XNIO provider or version), {@link #install} logs one warning and XNIO's
 * own back-off applies unchanged.
 */
public final class AcceptRecovery implements Closeable {
    /** How soon after a descriptor comes free a backed-off listener accepts again, at most. */
    public static final Duration PROBE_INTERVAL = Duration.ofMillis(100);

    private final List<XnioExecutor.Key> probes;

    private AcceptRecovery(List<XnioExecutor.Key> probes) {
        this.probes = probes;
    }

    /**
     * Watches every listener's accept back-off. Returns a recovery that does nothing if XNIO's
     * back-off state cannot be reached (logged once as a warning).
     */
    public static AcceptRecovery install(List<AcceptingChannel<?>> listeners, Logger log) {
        List<XnioExecutor.Key> probes = new ArrayList<>();
        try {
            for (AcceptingChannel<?> listener : listeners) {
                for (Object handle : handles(listener)) {
                    BackedOffHandle backedOff = new BackedOffHandle(handle);
                    probes.add(backedOff.thread().executeAtInterval(backedOff::recover, PROBE_INTERVAL.toNanos(),
                            TimeUnit.NANOSECONDS));
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            probes.forEach(XnioExecutor.Key::remove);
            log.warning("cannot watch XNIO's accept back-off (" + e + "); after running out of file descriptors,"
                    + " accepting may resume only up to 30 s after descriptors are free again");
            return new AcceptRecovery(List.of());
        }
        return new AcceptRecovery(probes);
    }

    /** True if this recovery watches at least one listener. */
    public boolean active() {
        return !probes.isEmpty();
    }

    @Override
    public void close() {
        probes.forEach(XnioExecutor.Key::remove);
    }

    /**
     * The per-thread accept handles of an XNIO NIO listener: {@code QueuedNioTcpServer2} (what
     * {@code createStreamConnectionServer} returns) wraps a {@code NioTcpServer}, which keeps one
     * {@code NioTcpServerHandle} per accepting thread.
     */
    private static Object[] handles(AcceptingChannel<?> listener) throws ReflectiveOperationException {
        Object server = listener;
        Field realServer = findField(server.getClass(), "realServer");
        if (realServer != null) {
            server = realServer.get(server);
        }
        Field handles = findField(server.getClass(), "handles");
        if (handles == null) {
            throw new NoSuchFieldException(server.getClass().getName() + ".handles");
        }
        return (Object[]) handles.get(server);
    }

    private static Field findField(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field field = c.getDeclaredField(name);
                field.setAccessible(true);
                return field;
            } catch (NoSuchFieldException e) {
                // look further up
            }
        }
        return null;
    }

    private static Method findMethod(Class<?> type, String name) throws NoSuchMethodException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Method method = c.getDeclaredMethod(name);
                method.setAccessible(true);
                return method;
            } catch (NoSuchMethodException e) {
                // look further up
            }
        }
        throw new NoSuchMethodException(type.getName() + "." + name + "()");
    }

    /** One accept handle: its back-off flag, its end, and the thread that owns both. */
    private static final class BackedOffHandle {
        private final Object handle;
        private final Field backOff;
        private final Method endBackOff;
        private final XnioExecutor thread;

        BackedOffHandle(Object handle) throws ReflectiveOperationException {
            this.handle = handle;
            this.backOff = findField(handle.getClass(), "backOff");
            if (backOff == null || backOff.getType() != boolean.class) {
                throw new NoSuchFieldException(handle.getClass().getName() + ".backOff");
            }
            this.endBackOff = findMethod(handle.getClass(), "endBackOff");
            this.thread = (XnioExecutor) findMethod(handle.getClass(), "getWorkerThread").invoke(handle);
        }

        XnioExecutor thread() {
            return thread;
        }

        /** On the handle's own thread: ends a back-off once a descriptor can be had. */
        void recover() {
            try {
                if (backOff.getBoolean(handle) && descriptorFree()) {
                    endBackOff.invoke(handle);
                }
            } catch (IllegalAccessException | InvocationTargetException e) {
                // cannot happen once constructed; XNIO's own back-off still ends it
            }
        }

        /** Whether the process can open one more socket (what the next accept needs). */
        private static boolean descriptorFree() {
            try (SocketChannel probe = SocketChannel.open()) {
                return probe.isOpen();
            } catch (IOException e) {
                return false; // EMFILE (or ENFILE) still
            }
        }
    }
}
