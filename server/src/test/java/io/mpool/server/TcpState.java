package io.mpool.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * One loopback TCP socket as the kernel sees it, read from Linux's {@code /proc/net/tcp}: what a
 * test observes to know that a socket is full instead of sleeping and hoping it is.
 *
 * <p>A sender whose peer's receive buffer is full has bytes in its send queue and, with nothing
 * in flight, arms the zero-window probe timer ({@code tr} 4 in {@code /proc/net/tcp}): the socket
 * will take no more until the peer reads. That is {@link #peerWindowClosed()}.
 *
 * @param txQueue bytes in the send queue, not yet acknowledged by the peer
 * @param rxQueue bytes received and not yet read by the application
 * @param timer   the kernel's active timer: 0 none, 1 retransmit, 2 keep-alive, 3 TIME_WAIT,
 *                4 zero-window probe
 * @param inode   the socket's inode: 0 once no process holds it (closed by its owner, the kernel
 *                finishing the close alone, or in TIME_WAIT)
 */
public record TcpState(int localPort, int remotePort, long txQueue, long rxQueue, int timer, long inode) {
    /** IPv4 sockets, and the JDK's dual-stack ones (127.0.0.1 as ::ffff:127.0.0.1). */
    private static final List<Path> PROC_NET = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    /** 127.0.0.1 as {@code /proc/net/tcp} prints it (one 32-bit word, host byte order), alone or IPv4-mapped. */
    private static final String LOOPBACK = "0100007F";
    /** {@code tr} of a socket probing a peer that advertises a zero window (include/net/tcp.h: ICSK_TIME_PROBE0). */
    private static final int ZERO_WINDOW_PROBE_TIMER = 4;
    /** {@code st} of a listening socket (include/net/tcp_states.h: TCP_LISTEN = 10). */
    private static final String LISTEN = "0A";

    /** True when the peer's receive buffer is full and this socket holds bytes it cannot send. */
    boolean peerWindowClosed() {
        return timer == ZERO_WINDOW_PROBE_TIMER && txQueue > 0;
    }

    /**
     * The IPv4 loopback socket from {@code localPort} to {@code remotePort}, or null if there is
     * none (not yet accepted, or already closed).
     */
    public static TcpState of(int localPort, int remotePort) throws IOException {
        String local = String.format(Locale.ROOT, LOOPBACK + ":%04X", localPort);
        String remote = String.format(Locale.ROOT, LOOPBACK + ":%04X", remotePort);
        for (Path table : PROC_NET) {
            List<String> lines = Files.readAllLines(table);
            for (String line : lines.subList(1, lines.size())) {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
                String[] fields = line.trim().split("\\s+");
                if (fields[1].endsWith(local) && fields[2].endsWith(remote)) {
                    String[] queues = fields[4].split(":");
                    return new TcpState(localPort, remotePort, Long.parseLong(queues[0], 16),
                            Long.parseLong(queues[1], 16), Integer.parseInt(fields[5].split(":")[0], 16),
                            Long.parseLong(fields[9]));
                }
            }
        }
        return null;
    }

    /**
     * Connections the kernel has completed for the loopback listener on {@code port} and nobody
     * has accepted yet (a listening socket's {@code rx_queue}), or -1 if there is no such listener.
     */
    static long acceptQueue(int port) throws IOException {
        String local = String.format(Locale.ROOT, LOOPBACK + ":%04X", port);
        for (Path table : PROC_NET) {
            List<String> lines = Files.readAllLines(table);
            for (String line : lines.subList(1, lines.size())) {
                String[] fields = line.trim().split("\\s+");
                if (fields[1].endsWith(local) && fields[3].equals(LISTEN)) {
                    return Long.parseLong(fields[4].split(":")[1], 16);
                }
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "tcp 127.0.0.1:" + localPort + " -> 127.0.0.1:" + remotePort + " txQueue=" + txQueue + " rxQueue=" + rxQueue
                + " timer=" + timer + " inode=" + inode + (peerWindowClosed() ? " (peer window closed)" : "");
    }
}
