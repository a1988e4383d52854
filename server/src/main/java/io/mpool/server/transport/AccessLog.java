package io.mpool.server.transport;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The access log ({@code --access-log}): one line per request of the main listener, in the
 * server log's format ({@link LogFormat}):
 * <pre>
 * 2026-12-01 21:04:05.123 INFO  [mpool.access] conn=7 GET /bytes/100 200 100B 0.183ms
 * </pre>
 * connection id (as on {@code /admin/pools}), method, path (never the query: it may hold secrets),
 * status, response bytes and the time from the root handler to the exchange's completion.
 *
 * <p>Kept off the request path: an IO thread only fills a small {@link Entry} and offers it to a
 * bounded queue (no formatting, no write, no wake-up of the writer); the writer thread drains the
 * queue every {@link #DRAIN_INTERVAL_MILLIS} ms, formats the batch (lines of one millisecond share
 * their time prefix) and writes it with one call.
 * When the queue is full the line is dropped and counted ({@link #dropped()}), so a slow disk
 * never slows the server.
 */
public final class AccessLog implements Closeable {
    /** The logger name the lines carry. */
    public static final String LOGGER = "mpool.access";
    /** Lines waiting for the writer: a second of a busy server's requests at about 100 bytes each. */
    static final int QUEUE_CAPACITY = 1 << 16;
    /** How often the writer drains the queue: lines appear within this, a request never waits. */
    static final long DRAIN_INTERVAL_MILLIS = 20;
    /** How long close waits for the writer to write what is queued. */
    private static final long CLOSE_TIMEOUT_MILLIS = 5_000;

    /** One finished request, as the IO thread hands it over. */
    record Entry(long epochMillis, long connectionId, String method, String path, int status, long bytes,
                 long nanos) {
    }

    private final ArrayBlockingQueue<Entry> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final LongAdder dropped = new LongAdder();
    private final LongAdder written = new LongAdder();
    private final OutputStream out;
    private final boolean closeOut;
    private final Thread writer;
    private volatile boolean closing;

    private AccessLog(OutputStream stream, boolean closeOut) {
        this.out = stream;
        this.closeOut = closeOut;
        this.writer = new Thread(this::drainLoop, "mpool-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * The access log {@code target} names: {@code stderr}, {@code stdout} or a file (appended to,
     * created if missing); null for {@code off}.
     */
    public static AccessLog open(String target) throws IOException {
        return switch (target) {
            case "off" -> null;
            case "stderr" -> new AccessLog(System.err, false);
            case "stdout" -> new AccessLog(System.out, false);
            default -> new AccessLog(Files.newOutputStream(Path.of(target), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE), true);
        };
    }

    /** Called on the IO thread as an exchange completes: one allocation, one offer. */
    void record(long connectionId, String method, String path, int status, long bytes, long nanos) {
        if (closing || !queue.offer(new Entry(System.currentTimeMillis(), connectionId, method, path, status, bytes,
                nanos))) {
            dropped.increment();
        }
    }

    /** Lines dropped because the queue was full (or the log closing). */
    public long dropped() {
        return dropped.sum();
    }

    /** Lines written so far. */
    public long written() {
        return written.sum();
    }

    private void drainLoop() {
        List<Entry> batch = new ArrayList<>();
        StringBuilder text = new StringBuilder(8192);
        while (true) {
            boolean last = closing; // read before draining: nothing is offered after it turns true
            queue.drainTo(batch);
            if (!batch.isEmpty()) {
                write(batch, text);
            }
            if (last) {
                return;
            }
            batch.clear();
            // Every interval, busy or not: a batch then holds an interval's lines, one write for them all.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(DRAIN_INTERVAL_MILLIS));
        }
    }

    private void write(List<Entry> batch, StringBuilder text) {
        text.setLength(0);
        long prefixMillis = Long.MIN_VALUE;
        String prefix = "";
        for (Entry entry : batch) {
            if (entry.epochMillis() != prefixMillis) { // lines of one millisecond share their prefix
                prefixMillis = entry.epochMillis();
                prefix = prefix(prefixMillis);
            }
            text.append(prefix);
            appendRequest(entry, text);
        }
        try {
            // One write per batch: a PrintStream writes it whole, so the server log's lines on the
            // same stream never land inside one of ours.
            out.write(text.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            written.add(batch.size());
        } catch (IOException e) {
            dropped.add(batch.size()); // a full disk loses lines, never requests
        }
    }

    static void format(Entry entry, StringBuilder line) {
        line.append(prefix(entry.epochMillis()));
        appendRequest(entry, line);
    }

    private static String prefix(long epochMillis) {
        StringBuilder prefix = new StringBuilder(64);
        LogFormat.appendPrefix(prefix, Instant.ofEpochMilli(epochMillis), "INFO", LOGGER);
        return prefix.toString();
    }

    private static void appendRequest(Entry entry, StringBuilder line) {
        line.append("conn=").append(entry.connectionId()).append(' ').append(entry.method()).append(' ')
                .append(entry.path()).append(' ').append(entry.status()).append(' ').append(entry.bytes())
                .append("B ");
        long micros = entry.nanos() / 1_000;
        line.append(micros / 1_000).append('.');
        long fraction = micros % 1_000;
        if (fraction < 100) {
            line.append(fraction < 10 ? "00" : "0");
        }
        line.append(fraction).append("ms").append(System.lineSeparator());
    }

    /** Writes what is queued, stops the writer and closes a file (never stdout or stderr). */
    @Override
    public void close() throws IOException {
        closing = true;
        LockSupport.unpark(writer);
        try {
            writer.join(CLOSE_TIMEOUT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dropped.add(queue.size()); // offered as the writer took its last batch
        if (closeOut) {
            out.close();
        }
    }
}
