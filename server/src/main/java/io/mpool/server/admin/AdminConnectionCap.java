package io.mpool.server.admin;

import io.mpool.server.transport.Admission;
import io.mpool.server.transport.DirectAnswer;
import io.mpool.server.transport.RefusalLog;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.xnio.StreamConnection;

/** The admin listener's accept limit: at most {@code max} connections at once; one more gets 503. */
final class AdminConnectionCap implements Admission {
    private final int max;
    private final RefusalLog refusals;
    /** One instance for every refusal, without a stack trace: the log needs only the message. */
    private final RuntimeException atLimit;
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder refused = new LongAdder();

    AdminConnectionCap(int max, RefusalLog refusals) {
        this.max = max;
        this.refusals = refusals;
        this.atLimit = new RuntimeException("admin connections at the limit of " + max + "; refusing more with 503",
                null, false, false) {
            private static final long serialVersionUID = 1L;
        };
    }

    @Override
    public boolean admit(StreamConnection channel, InetAddress address) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            refused.increment();
            refusals.log(atLimit);
            DirectAnswer.sendAndClose(channel, 503, "too many admin connections (at most " + max + "); retry later");
            return false;
        }
        return true;
    }

    @Override
    public void headArrived(InetAddress address) {
        // admin connections have no unfinished-head limit
    }

    @Override
    public void closed(InetAddress address, boolean headArrived) {
        open.decrementAndGet();
    }

    int open() {
        return open.get();
    }

    long refused() {
        return refused.sum();
    }
}
