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
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>A client writes what it likes into the method and the path, so they are logged as sent (the
 * path still percent-encoded, never decoded) and escaped the way nginx escapes its log: every
 * byte below 0x20 (CR, LF, ESC, NUL, BS), the space (the fields are unquoted), {@code "},
 * {@code \}, DEL and every byte from 0x80 written {@code \xHH}. A line is therefore always one
 * line of printable ASCII, with as many fields as any other. A field is cut at
 * {@value #MAX_FIELD_CHARS} characters (escapes included) and then ends in {@code \...}, which
 * cannot occur otherwise: a backslash only ever starts {@code \xHH}.
 *
 * <p>Kept off the request path: an IO thread only fills a small {@link Entry} and offers it to a
 * bounded queue (no formatting, no write, no wake-up of the writer); the writer thread drains the
 * queue every {@link #DRAIN_INTERVAL_MILLIS} ms, formats the batch (lines of one millisecond share
 * their time prefix) and writes it with one call.
 * The queue is bounded twice: {@value #QUEUE_CAPACITY} entries and {@value #QUEUE_MAX_BYTES} bytes
 * (an entry's estimated heap, counted until its batch is written, so a writer stuck on a full
 * pipe holds no more than that either). Past either bound the line is dropped and counted
 * ({@link #dropped()}), so a slow disk, or a stderr nobody reads, never slows the server or
 * fills its heap.
 */
public final class AccessLog implements Closeable {
    /** The logger name the lines carry. */
    public static final String LOGGER = "mpool.access";
    /** Lines waiting for the writer: a second of a busy server's requests at about 100 bytes each. */
    static final int QUEUE_CAPACITY = 1 << 16;
    /**
     * Heap the waiting lines may hold: {@link #QUEUE_CAPACITY} ordinary lines fit (about 110
     * bytes each with their entry), lines with long paths are dropped sooner.
     */
    public static final long QUEUE_MAX_BYTES = 8L << 20;
    /** An entry's own heap before its strings' characters: the record and two string headers. */
    static final int ENTRY_BYTES = 96;
    /** Longest field (method, path) written, in characters of its escaped form. */
    public static final int MAX_FIELD_CHARS = 2048;
    /** What a cut field ends in. */
    static final String CUT_MARK = "\\...";
    /** How often the writer drains the queue: lines appear within this, a request never waits. */
    static final long DRAIN_INTERVAL_MILLIS = 20;
    /** How long close waits for the writer to write what is queued. */
    private static final long CLOSE_TIMEOUT_MILLIS = 5_000;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /**
     * One finished request, as the IO thread hands it over: method and path as the client sent
     * them, each at most one character longer than {@link #MAX_FIELD_CHARS} (then it is cut).
     */
    record Entry(long epochMillis, long connectionId, String method, String path, int status, long bytes,
                 long nanos) {
        /** What this entry holds of the heap, as counted against {@link #QUEUE_MAX_BYTES}. */
        long heapBytes() {
            return ENTRY_BYTES + method.length() + path.length();
        }
    }

    private final ArrayBlockingQueue<Entry> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final LongAdder dropped = new LongAdder();
    private final LongAdder written = new LongAdder();
    /** Heap held by entries offered and not yet written (queued, or in the writer's batch). */
    private final AtomicLong heldBytes = new AtomicLong();
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
     *
     * @throws IOException naming {@code --access-log} and the target when the file cannot be opened
     */
    public static AccessLog open(String target) throws IOException {
        try {
            return switch (target) {
                case "off" -> null;
                case "stderr" -> new AccessLog(System.err, false);
                case "stdout" -> new AccessLog(System.out, false);
                default -> new AccessLog(Files.newOutputStream(Path.of(target), StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND, StandardOpenOption.WRITE), true);
            };
        } catch (IOException e) {
            throw new IOException("cannot open --access-log=" + target + ": " + e, e);
        }
    }

    /**
     * Called on the IO thread as an exchange completes: one allocation, one offer (two more
     * allocations for a method or path too long to log whole).
     */
    void record(long connectionId, String method, String path, int status, long bytes, long nanos) {
        Entry entry = new Entry(System.currentTimeMillis(), connectionId, bounded(method), bounded(path), status, bytes,
                nanos);
        long heap = entry.heapBytes();
        if (closing || heldBytes.addAndGet(heap) > QUEUE_MAX_BYTES) {
            heldBytes.addAndGet(-heap);
            dropped.increment();
        } else if (!queue.offer(entry)) {
            heldBytes.addAndGet(-heap);
            dropped.increment();
        }
    }

    /** Enough of a field to log it (escaping only lengthens it) and to see that it was cut. */
    private static String bounded(String field) {
        return field.length() > MAX_FIELD_CHARS ? field.substring(0, MAX_FIELD_CHARS + 1) : field;
    }

    /** Heap held by lines not yet written: never much above {@link #QUEUE_MAX_BYTES}. */
    public long heldBytes() {
        return heldBytes.get();
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
            out.write(text.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            written.add(batch.size());
        } catch (IOException e) {
            dropped.add(batch.size()); // a full disk loses lines, never requests
        } finally {
            long heap = 0;
            for (Entry entry : batch) {
                heap += entry.heapBytes();
            }
            heldBytes.addAndGet(-heap); // only now: a writer stuck in write still holds its batch
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
        line.append("conn=").append(entry.connectionId()).append(' ');
        appendEscaped(entry.method(), line);
        line.append(' ');
        appendEscaped(entry.path(), line);
        line.append(' ').append(entry.status()).append(' ').append(entry.bytes()).append("B ");
        long micros = entry.nanos() / 1_000;
        line.append(micros / 1_000).append('.');
        long fraction = micros % 1_000;
        if (fraction < 100) {
            line.append(fraction < 10 ? "00" : "0");
        }
        line.append(fraction).append("ms").append(System.lineSeparator());
    }

    /**
     * {@code field} as the log shows it: printable ASCII as it is, except space, {@code "} and
     * {@code \}; those and every other character as the bytes {@code \xHH} (a character above
     * 0xFF: its UTF-8 bytes). At most {@link #MAX_FIELD_CHARS} characters; a cut field ends in
     * {@link #CUT_MARK}.
     */
    static void appendEscaped(String field, StringBuilder line) {
        int limit = line.length() + MAX_FIELD_CHARS;
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            boolean plain = c > ' ' && c < 0x7F && c != '"' && c != '\\';
            int length = plain ? 1 : c <= 0xFF ? 4 : 4 * utf8Length(c);
            if (line.length() + length > limit) {
                line.append(CUT_MARK);
                return;
            }
            if (plain) {
                line.append(c);
            } else if (c <= 0xFF) {
                appendHex(c, line);
            } else {
                for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
                    appendHex(b & 0xFF, line);
                }
            }
        }
    }

    private static int utf8Length(char c) {
        return c < 0x800 ? 2 : 3; // a lone surrogate is written as '?', one byte, which fits
    }

    private static void appendHex(int b, StringBuilder line) {
        line.append('\\').append('x').append(HEX[b >>> 4]).append(HEX[b & 0xF]);
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
