package io.mpool.server.transport;

import io.mpool.server.config.AccessLogSettings;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The access log ({@code --access-log}): one line per request of the main listener, in the
 * format {@code --access-log-format} names ({@link AccessLogLine}: {@code common},
 * {@code combined} (the default, as nginx's), {@code json}, or {@code mpool}, the server log's).
 * The client is the connection's peer, or with {@code --trusted-proxies} the address a trusted
 * proxy forwarded ({@link ClientAddress}).
 *
 * <p>A client writes what it likes into the method, the path and its headers, so they are logged
 * as sent (the path still percent-encoded, never decoded, never with its query) and escaped the
 * way nginx escapes its log ({@link AccessLogLine}): a line is therefore always one line of
 * printable ASCII, with as many fields as any other.
 *
 * <p>Kept off the request path: an IO thread only fills a small {@link Entry} and offers it to a
 * bounded queue (no formatting, no write, no wake-up of the writer); the writer thread drains the
 * queue every {@link #DRAIN_INTERVAL_MILLIS} ms, formats the batch and writes it with one call.
 * The queue is bounded twice: {@value #QUEUE_CAPACITY} entries and {@value #QUEUE_MAX_BYTES} bytes
 * (an entry's estimated heap, counted until its batch is written, so a writer stuck on a full
 * pipe holds no more than that either). Past either bound the line is dropped and counted
 * ({@link #dropped()}), so a slow disk, or a stderr nobody reads, never slows the server or
 * fills its heap.
 *
 * <p>Not Undertow's {@code AccessLogHandler}: it formats each line on the IO thread (its
 * exchange attributes build strings per request), escapes nothing a client writes, and its
 * {@code DefaultAccessLogReceiver} queues without a bound; here the IO thread only hands over a
 * record, and the queue is bounded in lines and bytes. Its {@code common} and {@code combined}
 * patterns are the formats written here, field for field.
 *
 * <p>Rotation is logrotate's (or any tool's) with a reopen, as nginx does it: move the file, then
 * {@link #reopen()} (the command line does on {@code SIGUSR1}); lines written before the reopen
 * go to the moved file, lines after it to a new one.
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
    /** An entry's own heap before its strings' characters: the record, the address and the strings' headers. */
    static final int ENTRY_BYTES = 128;
    /** Longest field (method, path, referer, user agent) written, in characters of its escaped form. */
    public static final int MAX_FIELD_CHARS = 2048;
    /** What a cut field ends in. */
    static final String CUT_MARK = "\\...";
    /** How often the writer drains the queue: lines appear within this, a request never waits. */
    static final long DRAIN_INTERVAL_MILLIS = 20;
    /** How long close waits for the writer to write what is queued. */
    private static final long CLOSE_TIMEOUT_MILLIS = 5_000;

    /**
     * One finished request, as the IO thread hands it over: what clients write (method, path,
     * protocol, referer, user agent) as sent, each at most one character longer than
     * {@link #MAX_FIELD_CHARS} (then it is cut); the forwarding header only when proxies are
     * trusted (its right end kept: that is the end a trusted proxy wrote).
     *
     * @param peer          the connection's peer address, or null
     * @param forwarded     {@code Forwarded} (when {@code rfc7239}) or {@code X-Forwarded-For}, or null
     * @param requestBytes  the request body's declared length ({@code Content-Length}), -1 if none was declared
     * @param responseBytes the response body's bytes sent
     * @param poolBytes     bytes the request took from its connection's pool, -1 without one
     */
    record Entry(long epochMillis, long connectionId, InetAddress peer, String forwarded, boolean rfc7239,
                 String method, String path, String protocol, int status, long requestBytes, long responseBytes,
                 long nanos, long poolBytes, String referer, String userAgent) {
        /** What this entry holds of the heap, as counted against {@link #QUEUE_MAX_BYTES}. */
        long heapBytes() {
            return ENTRY_BYTES + method.length() + path.length() + length(forwarded) + length(referer)
                    + length(userAgent);
        }

        private static int length(String field) {
            return field == null ? 0 : field.length();
        }
    }

    private final ArrayBlockingQueue<Entry> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final LongAdder dropped = new LongAdder();
    private final LongAdder written = new LongAdder();
    /** Heap held by entries offered and not yet written (queued, or in the writer's batch). */
    private final AtomicLong heldBytes = new AtomicLong();
    private final AccessLogLine format;
    private final boolean readsForwarding;
    /** The file, reopened by {@link #reopen()}; null for stdout and stderr. */
    private final Path file;
    private final Thread writer;
    /** Guarded by this: the writer writes, {@link #reopen()} replaces it. */
    private OutputStream out;
    private volatile boolean closing;

    private AccessLog(OutputStream stream, Path file, AccessLogSettings settings) {
        this.out = stream;
        this.file = file;
        this.format = new AccessLogLine(settings.format(), settings.trustedProxies());
        this.readsForwarding = !settings.trustedProxies().isEmpty();
        this.writer = new Thread(this::drainLoop, "mpool-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * The access log {@code settings} name: to {@code stderr}, {@code stdout} or a file (appended
     * to, created if missing); null for {@code off}.
     */
    public static AccessLog open(AccessLogSettings settings) throws IOException {
        try {
            return switch (settings.target()) {
                case "off" -> null;
                case "stderr" -> new AccessLog(System.err, null, settings);
                case "stdout" -> new AccessLog(System.out, null, settings);
                default -> new AccessLog(append(Path.of(settings.target())), Path.of(settings.target()), settings);
            };
        } catch (IOException e) {
            throw new IOException("cannot open --access-log=" + settings.target() + ": " + e, e);
        }
    }

    /** Writes what {@code log} still holds and closes it: its figures for the stop's summary ("" when off). */
    public static String closeWithSummary(AccessLog log) {
        if (log == null) {
            return "";
        }
        try {
            log.close();
        } catch (IOException e) {
            // the figures still say what was written
        }
        return " accessLogLines=" + log.written() + " accessLogDropped=" + log.dropped();
    }

    /** A log to {@code stream} (never closed by it), for tests that control the stream. */
    static AccessLog to(OutputStream stream, AccessLogSettings settings) {
        return new AccessLog(stream, null, settings);
    }

    private static OutputStream append(Path file) throws IOException {
        return Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    /**
     * Called on the IO thread as an exchange completes: one entry, one offer (a few more
     * allocations for fields too long to log whole, or forwarding headers of several lines).
     */
    void record(HttpServerExchange done, long connectionId, long poolBytes, long nanos) {
        HeaderMap headers = done.getRequestHeaders();
        String forwarded = null;
        boolean rfc7239 = false;
        if (readsForwarding) {
            HeaderValues values = headers.get(Headers.FORWARDED);
            rfc7239 = values != null;
            values = rfc7239 ? values : headers.get(Headers.X_FORWARDED_FOR);
            forwarded = values == null ? null : rightEnd(values.size() == 1 ? values.getFirst() : String.join(",", values));
        }
        InetSocketAddress peer = done.getSourceAddress();
        Entry entry = new Entry(System.currentTimeMillis(), connectionId, peer == null ? null : peer.getAddress(),
                forwarded, rfc7239, bounded(done.getRequestMethod().toString()), bounded(done.getRequestURI()),
                bounded(done.getProtocol().toString()), done.getStatusCode(), done.getRequestContentLength(),
                done.getResponseBytesSent(), nanos, poolBytes, bounded(headers.getFirst(Headers.REFERER)),
                bounded(headers.getFirst(Headers.USER_AGENT)));
        offer(entry);
    }

    /** Queues {@code entry} unless the queue holds its bound of lines or of bytes: then it is dropped and counted. */
    void offer(Entry entry) {
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
        return field != null && field.length() > MAX_FIELD_CHARS ? field.substring(0, MAX_FIELD_CHARS + 1) : field;
    }

    /** A forwarding header's right end: the hops nearest to us, the ones a trusted proxy wrote. */
    private static String rightEnd(String header) {
        return header.length() > MAX_FIELD_CHARS ? header.substring(header.length() - MAX_FIELD_CHARS) : header;
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

    /**
     * Opens the file again under its name (after logrotate or an operator moved it away) and
     * closes the old one; lines not yet written go to the new file. False for stdout and stderr.
     */
    public boolean reopen() throws IOException {
        if (file == null) {
            return false;
        }
        OutputStream fresh = append(file);
        OutputStream old;
        synchronized (this) {
            old = out;
            out = fresh;
        }
        old.close();
        return true;
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
        for (Entry entry : batch) {
            format.append(entry, text);
        }
        try {
            // One write per batch: a PrintStream writes it whole, so the server log's lines on the
            // same stream never land inside one of ours.
            synchronized (this) {
                out.write(text.toString().getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
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
        if (file != null) {
            synchronized (this) {
                out.close();
            }
        }
    }
}
