package io.mpool.server.transport;

import io.mpool.server.stats.ServerStats;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;

/**
 * The main listener's accept-side limits, checked before anything is set up for a new
 * connection: at most {@code maxConnections} open at once (so the process keeps file descriptors
 * for the admin listener and its own files), at most {@code maxUnfinishedHeads} of them that
 * have not yet sent a complete request head (so silent or slow-head clients cannot take every
 * slot; they are closed by the read and parse timeouts meanwhile), and at most
 * {@code maxUnfinishedHeadsPerAddress} of those from one client address (so one address cannot
 * take every unfinished-head slot from the others). nginx has the first as
 * {@code worker_connections}; the other two play the part of its {@code limit_conn} (per server,
 * per {@code $binary_remote_addr}) for clients that have not said anything yet. The per-address
 * counts live in a map that holds only addresses with an unfinished head: an address whose count
 * falls to 0 is removed, so the map never has more entries than there are unfinished heads.
 *
 * <p>One connection more is refused at once and cheaply: a prepared {@code 503} with
 * {@code Retry-After: 1} and {@code Connection: close} written straight to the socket (one write,
 * nothing from the arena, no Undertow objects), what the client already sent read and dropped
 * (one read, so the close is a FIN rather than an RST that could destroy the answer), and the
 * socket closed without lingering, because the point is to give its descriptor back. A 503
 * rather than a bare close: an HTTP client then sees why and when to retry, where a close looks
 * like a network fault that many clients retry at once. Counted in the admin totals
 * ({@code connectionLimitRefusals}, {@code unfinishedHeadRefusals}: the total's and the
 * per-address cap's refusals; {@link #addressRefusals()} the latter alone) and logged through a
 * rate-limited {@link RefusalLog} of its own, so a connection flood does not hide a memory
 * refusal's line.
 */
public final class ConnectionLimiter implements Admission {
    /** What one refusal reads and drops before closing: a typical request head. */
    private static final int DRAIN_BYTES = 4096;
    private static final ThreadLocal<ByteBuffer> DRAIN = ThreadLocal.withInitial(() -> ByteBuffer.allocate(DRAIN_BYTES));

    private final int maxConnections;
    private final int maxUnfinishedHeads;
    private final int maxUnfinishedHeadsPerAddress;
    private final ServerStats stats;
    private final RefusalLog refusals;
    private final byte[] atConnectionLimit;
    private final byte[] atHeadLimit;
    private final byte[] atAddressHeadLimit;
    private final String connectionLimitLine;
    private final String headLimitLine;
    private final String addressHeadLimitLine;
    /** Unfinished heads per client address; only addresses with at least one are in it. */
    private final ConcurrentHashMap<InetAddress, Integer> unfinishedByAddress = new ConcurrentHashMap<>();
    private final LongAdder addressRefusals = new LongAdder();

    public ConnectionLimiter(int maxConnections, int maxUnfinishedHeads, int maxUnfinishedHeadsPerAddress,
                             ServerStats stats, Logger log) {
        if (maxConnections < 1 || maxUnfinishedHeads < 1 || maxUnfinishedHeadsPerAddress < 1) {
            throw new IllegalArgumentException("maxConnections=" + maxConnections + " maxUnfinishedHeads="
                    + maxUnfinishedHeads + " maxUnfinishedHeadsPerAddress=" + maxUnfinishedHeadsPerAddress
                    + " (expected: >= 1)");
        }
        this.maxConnections = maxConnections;
        this.maxUnfinishedHeads = maxUnfinishedHeads;
        this.maxUnfinishedHeadsPerAddress = maxUnfinishedHeadsPerAddress;
        this.stats = stats;
        this.refusals = new RefusalLog(log);
        this.atConnectionLimit = DirectAnswer.response(503, "server at its connection limit (" + maxConnections
                + "); retry later");
        this.atHeadLimit = DirectAnswer.response(503, "too many connections without a request yet (at most "
                + maxUnfinishedHeads + "); retry later");
        this.atAddressHeadLimit = DirectAnswer.response(503, "too many connections without a request yet from"
                + " your address (at most " + maxUnfinishedHeadsPerAddress + "); retry later");
        this.connectionLimitLine = "a new connection: " + maxConnections + " open, the --max-connections limit";
        this.addressHeadLimitLine = "a new connection: " + maxUnfinishedHeadsPerAddress + " connections from its"
                + " address have not sent a request head yet, the --max-unfinished-heads-per-ip limit";
        this.headLimitLine = "a new connection: " + maxUnfinishedHeads
                + " connections have not sent a request head yet, the --max-unfinished-heads limit";
    }

    /**
     * Admits a newly accepted connection, or refuses it (answered and closed) and returns false.
     * The caller reports the connection's first request head and its close, each once.
     */
    @Override
    public boolean admit(StreamConnection channel, InetAddress address) {
        if (!stats.tryOpenConnection(maxConnections)) {
            stats.connectionLimitRefused();
            refuse(channel, atConnectionLimit, connectionLimitLine);
            return false;
        }
        if (!stats.tryStartUnfinishedHead(maxUnfinishedHeads)) {
            stats.connectionClosed();
            stats.unfinishedHeadRefused();
            refuse(channel, atHeadLimit, headLimitLine);
            return false;
        }
        if (address != null && !takeAddressHead(address)) {
            stats.unfinishedHeadEnded();
            stats.connectionClosed();
            addressRefusals.increment();
            stats.unfinishedHeadRefused();
            refuse(channel, atAddressHeadLimit, addressHeadLimitLine);
            return false;
        }
        return true;
    }

    /** The connection's first request head is complete: it no longer counts as unfinished. */
    @Override
    public void headArrived(InetAddress address) {
        stats.unfinishedHeadEnded();
        releaseAddressHead(address);
    }

    /** The connection closed: its place is free. */
    @Override
    public void closed(InetAddress address, boolean headArrived) {
        if (!headArrived) {
            headArrived(address);
        }
        stats.connectionClosed();
    }

    /** One more unfinished head from {@code address}, unless it has its share already. */
    private boolean takeAddressHead(InetAddress address) {
        boolean[] taken = new boolean[1];
        unfinishedByAddress.compute(address, (key, count) -> {
            int now = count == null ? 0 : count;
            if (now >= maxUnfinishedHeadsPerAddress) {
                return count;
            }
            taken[0] = true;
            return now + 1;
        });
        return taken[0];
    }

    /** One unfinished head fewer from {@code address}; its entry goes at 0. */
    private void releaseAddressHead(InetAddress address) {
        if (address != null) {
            unfinishedByAddress.computeIfPresent(address, (key, count) -> count == 1 ? null : count - 1);
        }
    }

    /** Connections refused because their address had {@code maxUnfinishedHeadsPerAddress} unfinished heads. */
    public long addressRefusals() {
        return addressRefusals.sum();
    }

    /** Client addresses with at least one unfinished head (the per-address map's size). */
    public int addressesWithUnfinishedHeads() {
        return unfinishedByAddress.size();
    }

    public int maxUnfinishedHeadsPerAddress() {
        return maxUnfinishedHeadsPerAddress;
    }

    public int maxConnections() {
        return maxConnections;
    }

    public int maxUnfinishedHeads() {
        return maxUnfinishedHeads;
    }

    private void refuse(StreamConnection channel, byte[] answer, String line) {
        refusals.log(line);
        try {
            channel.getSinkChannel().write(ByteBuffer.wrap(answer));
            ByteBuffer drain = DRAIN.get();
            drain.clear();
            channel.getSourceChannel().read(drain);
        } catch (IOException e) {
            // the client is gone already
        }
        IoUtils.safeClose(channel);
    }
}
