package io.mpool.loadtest.generator;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One selector thread driving its share of the connections: keeps each connection's pipeline
 * full (or, at a fixed rate, sends on schedule), reads and checks responses, records latency.
 */
final class LoadWorker implements Runnable {
    /**
     * After a failed connect a connection waits this long before the next: a server that stopped
     * listening gets tens of attempts a second per connection, not a tight loop of thousands.
     */
    static final long CONNECT_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Characters of what the server sent shown in the name of a protocol error. */
    static final int PREVIEW_CHARS = 60;

    private final LoadSettings settings;
    private final RequestMix mix;
    private final InetSocketAddress address;
    private final Selector selector;
    private final List<ClientConnection> connections = new ArrayList<>();
    /** Latency, all together and per request kind (corrected for coordinated omission at a fixed rate). */
    final Latencies latencies;
    /** Per request kind (index: {@link RequestMix.Template#kind()}): good responses, errors. */
    final LongAdder[] completedByKind;
    final LongAdder[] errorsByKind;
    final LongAdder completed = new LongAdder();
    final LongAdder connects = new LongAdder();
    final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final long intervalNanos;
    private volatile long stopSendingAt;
    private volatile long hardStopAt;
    /** Set by the run when the server cannot be reached: the worker stops at once. */
    private volatile boolean abort;

    LoadWorker(LoadSettings settings, RequestMix mix, InetSocketAddress address, int connectionCount, int firstIndex)
            throws IOException {
        this.settings = settings;
        this.mix = mix;
        this.address = address;
        this.selector = Selector.open();
        // At a fixed rate every connection sends every (connections / rate) seconds.
        this.intervalNanos = Latencies.expectedIntervalNanos(settings.rate(), settings.connections());
        int kinds = mix.weights().size();
        this.latencies = new Latencies(kinds, intervalNanos / 1_000);
        this.completedByKind = new LongAdder[kinds];
        this.errorsByKind = new LongAdder[kinds];
        for (int k = 0; k < kinds; k++) {
            completedByKind[k] = new LongAdder();
            errorsByKind[k] = new LongAdder();
        }
        for (int i = 0; i < connectionCount; i++) {
            ClientConnection connection = new ClientConnection();
            connection.sequence = firstIndex + i; // spread the mix across connections
            connections.add(connection);
        }
    }

    void schedule(long startNanos, long stopSendingAtNanos, long hardStopAtNanos) {
        this.stopSendingAt = stopSendingAtNanos;
        this.hardStopAt = hardStopAtNanos;
        for (int i = 0; i < connections.size(); i++) {
            // Stagger the fixed-rate schedule so connections do not send in lockstep.
            connections.get(i).nextSendNanos = startNanos + (intervalNanos * i) / Math.max(1, connections.size());
        }
    }

    /** Stops the worker at its next turn: in-flight requests are not counted as errors. */
    void abort() {
        abort = true;
    }

    @Override
    public void run() {
        try {
            for (ClientConnection connection : connections) {
                open(connection);
            }
            long lastTimeoutCheck = System.nanoTime();
            while (true) {
                long now = System.nanoTime();
                boolean sending = now < stopSendingAt;
                if (abort || !sending && (allIdle() || now >= hardStopAt)) {
                    break;
                }
                if (sending) {
                    for (ClientConnection connection : connections) {
                        if (connection.connected) {
                            send(connection, now);
                        } else if (connection.channel == null && now >= connection.reopenAtNanos) {
                            open(connection);
                        }
                    }
                }
                selector.select(intervalNanos > 0 ? 1 : 100);
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    handle((ClientConnection) key.attachment(), key);
                }
                if (now - lastTimeoutCheck > 100_000_000L) {
                    lastTimeoutCheck = now;
                    checkTimeouts(now);
                }
            }
            for (ClientConnection connection : connections) {
                if (!connection.inFlight.isEmpty() && !abort) {
                    error("unfinished", connection.inFlight.size());
                    errorByKind(connection);
                }
                close(connection);
            }
            selector.close();
        } catch (IOException | RuntimeException e) {
            error("worker: " + e, 1);
        }
    }

    private boolean allIdle() {
        for (ClientConnection connection : connections) {
            if (!connection.inFlight.isEmpty() && connection.channel != null) {
                return false;
            }
        }
        return true;
    }

    private void open(ClientConnection connection) {
        try {
            connection.clear();
            SocketChannel channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            connection.channel = channel;
            if (channel.connect(address)) {
                connection.connected = true;
                connection.key = channel.register(selector, SelectionKey.OP_READ, connection);
            } else {
                connection.key = channel.register(selector, SelectionKey.OP_CONNECT, connection);
            }
            connects.increment();
        } catch (IOException e) {
            error("connect", 1);
            connection.channel = null;
            connection.reopenAtNanos = System.nanoTime() + CONNECT_RETRY_NANOS;
        }
    }

    private void close(ClientConnection connection) {
        if (connection.channel != null) {
            try {
                connection.channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            connection.channel = null;
        }
        connection.connected = false;
    }

    private void reconnect(ClientConnection connection) {
        close(connection);
        if (System.nanoTime() < stopSendingAt) {
            open(connection);
        }
    }

    private void send(ClientConnection connection, long now) {
        int depth = settings.keepAlive() ? settings.pipeline() : 1;
        boolean queued = false;
        while (connection.inFlight.size() < depth && (intervalNanos == 0 || now >= connection.nextSendNanos)) {
            if (!settings.keepAlive() && connection.sentOnThisConnection > 0) {
                break; // churn: one request per connection
            }
            connection.sentOnThisConnection++;
            RequestMix.Template template = mix.next(connection.sequence++);
            connection.pendingWrites.add(template.requestView());
            connection.inFlight.add(template);
            connection.sentAt.add(new long[] {now});
            if (intervalNanos > 0) {
                connection.nextSendNanos += intervalNanos;
            }
            queued = true;
        }
        if (queued) {
            flush(connection);
        }
    }

    private void flush(ClientConnection connection) {
        try {
            while (!connection.pendingWrites.isEmpty()) {
                ByteBuffer[] buffers = connection.pendingWrites.toArray(new ByteBuffer[0]);
                connection.channel.write(buffers);
                while (!connection.pendingWrites.isEmpty() && !connection.pendingWrites.peekFirst().hasRemaining()) {
                    connection.pendingWrites.pollFirst();
                }
                if (!connection.pendingWrites.isEmpty()) {
                    connection.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                    return;
                }
            }
            connection.key.interestOps(SelectionKey.OP_READ);
        } catch (IOException e) {
            failInFlight(connection, "write");
        }
    }

    private void handle(ClientConnection connection, SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        try {
            if (key.isConnectable()) {
                if (connection.channel.finishConnect()) {
                    connection.connected = true;
                    key.interestOps(SelectionKey.OP_READ);
                }
                return;
            }
            if (key.isWritable()) {
                flush(connection);
            }
            if (key.isValid() && key.isReadable()) {
                read(connection);
            }
        } catch (IOException e) {
            if (!connection.connected) {
                error("connect", 1);
                close(connection); // opened again by the run loop once CONNECT_RETRY_NANOS have passed
                connection.reopenAtNanos = System.nanoTime() + CONNECT_RETRY_NANOS;
                return;
            }
            error("io", 1);
            failInFlight(connection, null);
        }
    }

    private void read(ClientConnection connection) throws IOException {
        int n = connection.channel.read(connection.readBuffer);
        if (n == -1) {
            if (!connection.inFlight.isEmpty()) {
                failInFlight(connection, "closed");
            } else {
                reconnect(connection);
            }
            return;
        }
        ByteBuffer buffer = connection.readBuffer.flip();
        try {
            while (buffer.hasRemaining()) {
                RequestMix.Template template = connection.inFlight.peekFirst();
                if (template == null) {
                    error("protocol: bytes with no request in flight: " + preview(buffer), 1);
                    failInFlight(connection, null);
                    return;
                }
                if (!connection.parserPrimed) {
                    connection.parser.expect(settings.verify() ? template.expectedBody() : null);
                    connection.parserPrimed = true;
                }
                if (connection.parser.parse(buffer, settings.verify()) == ResponseParser.Result.NEED_MORE) {
                    break;
                }
                if (complete(connection, template)) {
                    return; // the socket was closed (and maybe reopened): this buffer is done
                }
            }
        } catch (RuntimeException e) {
            error("protocol: " + preview(String.valueOf(e.getMessage())), 1);
            failInFlight(connection, null);
            return;
        }
        buffer.compact();
    }

    /** Records one response; true if the connection's socket was closed after it. */
    private boolean complete(ClientConnection connection, RequestMix.Template template) {
        long sent = connection.sentAt.pollFirst()[0];
        connection.inFlight.pollFirst();
        latencies.record(template.kind(), (System.nanoTime() - sent) / 1_000);
        int status = connection.parser.status();
        boolean mismatch = settings.verify() && connection.parser.mismatch();
        boolean closeAfter = connection.parser.closeAfter();
        connection.parser.reset();
        connection.parserPrimed = false;
        if (status / 100 != 2) {
            error("status " + status, 1);
            errorsByKind[template.kind()].increment();
        } else if (mismatch) {
            error("verify: " + template.name() + " body differs", 1);
            errorsByKind[template.kind()].increment();
        } else {
            completed.increment();
            completedByKind[template.kind()].increment();
        }
        if (closeAfter || !settings.keepAlive()) {
            if (!connection.inFlight.isEmpty()) {
                failInFlight(connection, "closed");
            } else {
                reconnect(connection);
            }
            return true;
        }
        return false;
    }

    private void checkTimeouts(long now) {
        long limit = settings.timeout().toNanos();
        for (ClientConnection connection : connections) {
            long[] oldest = connection.sentAt.peekFirst();
            if (oldest != null && now - oldest[0] > limit) {
                failInFlight(connection, "timeout");
            }
        }
    }

    /** The connection broke: its in-flight requests are errors of {@code kind}; reconnect. */
    private void failInFlight(ClientConnection connection, String kind) {
        if (kind != null && !connection.inFlight.isEmpty()) {
            error(kind, connection.inFlight.size());
            errorByKind(connection);
        } else if (kind == null && !connection.inFlight.isEmpty()) {
            errorsByKind[connection.inFlight.peekFirst().kind()].increment(); // the one error the caller counted
        }
        reconnect(connection);
    }

    /** Every request in flight on {@code connection} failed: counted against its kind. */
    private void errorByKind(ClientConnection connection) {
        for (RequestMix.Template template : connection.inFlight) {
            errorsByKind[template.kind()].increment();
        }
    }

    /** The first bytes of what is left in {@code buffer}, printable, for an error's name: what the server sent. */
    static String preview(ByteBuffer buffer) {
        StringBuilder text = new StringBuilder();
        for (int i = buffer.position(); i < buffer.limit() && text.length() <= PREVIEW_CHARS; i++) {
            text.append((char) (buffer.get(i) & 0xff));
        }
        return preview(text.toString());
    }

    /** {@code text} cut to {@value #PREVIEW_CHARS} characters, in quotes, line ends escaped, other control bytes as '?'. */
    static String preview(String text) {
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < text.length() && i < PREVIEW_CHARS; i++) {
            char c = text.charAt(i);
            shown.append(c == '\r' ? "\\r" : c == '\n' ? "\\n" : c < 0x20 || c > 0x7e ? "?" : String.valueOf(c));
        }
        return '"' + shown.toString() + (text.length() > PREVIEW_CHARS ? "...\"" : "\"");
    }

    private void error(String kind, long count) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).add(count);
    }
}
