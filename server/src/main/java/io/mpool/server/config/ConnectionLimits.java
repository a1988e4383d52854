package io.mpool.server.config;

import com.sun.management.UnixOperatingSystemMXBean;
import io.mpool.mempool.PageArena;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The main listener's accept-side limits in effect, {@code --max-connections} and
 * {@code --max-unfinished-heads} and {@code --max-unfinished-heads-per-ip}, with {@code auto} (0)
 * resolved when the server starts:
 * <pre>
 *   max-connections      = fd limit - fds open once both listeners are bound
 *                          - {@value #ADMIN_MAX_CONNECTIONS} (admin connections)
 *                          - {@value #ACCEPT_PIPE_FDS} per accepting IO thread (its accept-turn pipe, made at its first accept)
 *                          - {@value #SPARE_FDS} (spare)
 *   max-unfinished-heads = min(max-connections / 2, arena-max / (2 * (4096 + buffer-size)))
 *   max-unfinished-heads-per-ip = min(max-unfinished-heads, max({@value #MIN_AUTO_HEADS_PER_IP}, max-unfinished-heads / 4))
 * </pre>
 * The spare descriptors are for what the process opens later (a refused connection between its
 * accept and its close, log and temporary files, a JFR recording, a class loaded from a new jar).
 * So a flood of connections is refused by the server before the process runs out of descriptors
 * and the admin listener can still accept. Unfinished heads are held to half the connections
 * (clients that have sent a request keep the other half) and to half the arena at a node and a
 * read buffer each. Where the JVM cannot tell the descriptor limit, max-connections is
 * {@value #FALLBACK_MAX_CONNECTIONS}. One client address may hold a quarter of the unfinished
 * heads (so at least four addresses are needed to fill them), but never fewer than
 * {@value #MIN_AUTO_HEADS_PER_IP}: many clients behind one NAT or proxy share an address, and a
 * small server's limit would otherwise leave one address a handful.
 *
 * @param derivation how the values were found, for the startup log
 */
public record ConnectionLimits(int maxConnections, int maxUnfinishedHeads, int maxUnfinishedHeadsPerIp,
        String derivation) {
    /** How a user asks for the derived value. */
    public static final String AUTO = ServerConfig.AUTO;
    /** Connections the admin listener takes at most (its own small limit, outside max-connections). */
    public static final int ADMIN_MAX_CONNECTIONS = 16;
    /**
     * Descriptors of the pipe each accepting IO thread opens at its first accept (the accept
     * turns' wake-up): not open yet when the limits are resolved, so counted here.
     */
    public static final int ACCEPT_PIPE_FDS = 2;
    /** Descriptors kept back beyond the ones open at start and the admin listener's. */
    public static final int SPARE_FDS = 64;
    /** max-connections where the JVM does not report a descriptor limit (not a Unix). */
    public static final int FALLBACK_MAX_CONNECTIONS = 10_000;
    /** The smallest derived per-address share of unfinished heads (nginx's limit_conn is per address too). */
    public static final int MIN_AUTO_HEADS_PER_IP = 64;
    /** The derived per-address share: one address may hold 1 / this of the unfinished heads. */
    public static final int AUTO_HEADS_PER_IP_DIVISOR = 4;

    /** The limits in effect for {@code config}, with this process's descriptor limit and open count now. */
    public static ConnectionLimits resolve(ServerConfig config) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof UnixOperatingSystemMXBean unix) {
            return resolve(config, unix.getMaxFileDescriptorCount(), unix.getOpenFileDescriptorCount());
        }
        return resolve(config, -1, -1);
    }

    /**
     * @param fdLimit the process's descriptor limit, -1 if unknown
     * @param fdsOpen descriptors open now, -1 if unknown
     */
    public static ConnectionLimits resolve(ServerConfig config, long fdLimit, long fdsOpen) {
        int adminConnections = config.adminEnabled() ? ADMIN_MAX_CONNECTIONS : 0;
        // The main worker's IO threads accept, and the admin listener's one thread.
        int acceptPipes = ACCEPT_PIPE_FDS * (config.ioThreads() + (config.adminEnabled() ? 1 : 0));
        long fdRoom = fdLimit < 0 ? FALLBACK_MAX_CONNECTIONS
                : fdLimit - fdsOpen - adminConnections - acceptPipes - SPARE_FDS;
        String fds = fdLimit < 0 ? "descriptor limit unknown, " + FALLBACK_MAX_CONNECTIONS
                : "fd limit " + fdLimit + " - " + fdsOpen + " open - " + adminConnections + " admin - "
                + acceptPipes + " accept pipes - " + SPARE_FDS + " spare = " + fdRoom;
        int connections;
        String derivation;
        if (config.maxConnections() > 0) {
            connections = config.maxConnections();
            derivation = "maxConnections=" + connections + (connections > fdRoom
                    ? " (above what the descriptors allow: " + fds + "; accepting may fail with EMFILE)" : "");
        } else if (fdRoom < 1) {
            throw new IllegalArgumentException("--max-connections=auto: no descriptors left for connections ("
                    + fds + "); raise the limit (ulimit -n) or give --max-connections");
        } else {
            connections = (int) Math.min(Integer.MAX_VALUE, fdRoom);
            derivation = "maxConnections=" + connections + " (" + fds + ")";
        }
        int heads;
        if (config.maxUnfinishedHeads() > 0) {
            heads = Math.min(config.maxUnfinishedHeads(), connections);
            derivation += " maxUnfinishedHeads=" + heads;
        } else {
            long arenaShare = config.arenaMaxBytes() / (2L * (PageArena.PAGE_SIZE + config.bufferSize()));
            heads = (int) Math.max(1, Math.min(connections / 2, arenaShare));
            derivation += " maxUnfinishedHeads=" + heads + " (min(" + connections + " / 2, arena share " + arenaShare
                    + "))";
        }
        int perIp;
        if (config.maxUnfinishedHeadsPerIp() > 0) {
            perIp = Math.min(config.maxUnfinishedHeadsPerIp(), heads);
            derivation += " maxUnfinishedHeadsPerIp=" + perIp;
        } else {
            perIp = Math.min(heads, Math.max(MIN_AUTO_HEADS_PER_IP, heads / AUTO_HEADS_PER_IP_DIVISOR));
            derivation += " maxUnfinishedHeadsPerIp=" + perIp + " (min(" + heads + ", max(" + MIN_AUTO_HEADS_PER_IP
                    + ", " + heads + " / " + AUTO_HEADS_PER_IP_DIVISOR + ")))";
        }
        return new ConnectionLimits(connections, heads, perIp, derivation);
    }

    /** A limit as the user writes it: the number, or {@code auto} for 0. */
    public static String show(int limit) {
        return limit == 0 ? AUTO : String.valueOf(limit);
    }
}
