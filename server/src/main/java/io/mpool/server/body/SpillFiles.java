package io.mpool.server.body;

import io.mpool.server.stats.ServerStats;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's live temp files of spilled request bodies: counted on the admin view and the
 * metrics, held together under {@code --body-temp-max} bytes, and deleted at server stop should a
 * connection's own cleanup not have run by then.
 */
public final class SpillFiles {
    /** Opens a new temp file's channel (tests put a full disk here). */
    @FunctionalInterface
    public interface Opener {
        FileChannel open(Path path) throws IOException;
    }

    private static final Opener FILES = path -> FileChannel.open(path, StandardOpenOption.READ,
            StandardOpenOption.WRITE);

    private final ServerStats stats;
    private final long maxBytes;
    private final Opener opener;
    private final Set<SpillFile> live = ConcurrentHashMap.newKeySet();

    /** @param maxBytes bytes all live files may hold together, 0 = no limit */
    public SpillFiles(ServerStats stats, long maxBytes) {
        this(stats, maxBytes, FILES);
    }

    public SpillFiles(ServerStats stats, long maxBytes, Opener opener) {
        this.stats = stats;
        this.maxBytes = maxBytes == 0 ? Long.MAX_VALUE : maxBytes;
        this.opener = opener;
    }

    /** A new, empty temp file in {@code dir}, counted live until {@link SpillFile#delete()}. */
    public SpillFile create(Path dir) throws IOException {
        SpillFile file = SpillFile.create(dir, this);
        live.add(file);
        stats.bodyTempFileCreated();
        return file;
    }

    FileChannel open(Path path) throws IOException {
        return opener.open(path);
    }

    /**
     * Takes {@code bytes} of the disk budget before they are written.
     *
     * @throws SpillRefusedException when the live files would pass {@code --body-temp-max}
     */
    void reserve(long bytes) throws SpillRefusedException {
        if (!stats.tryReserveBodyTemp(bytes, maxBytes)) {
            throw new SpillRefusedException("temp files of request bodies hold " + stats.bodyTempBytes() + " bytes; "
                    + bytes + " more would pass --body-temp-max=" + maxBytes);
        }
    }

    void spilled(long bytes) {
        stats.bodySpillWritten(bytes);
    }

    /** A write to a temp file failed (a full disk); counted. */
    public void writeFailed() {
        stats.bodyTempWriteFailed();
    }

    /** A file is gone: its bytes go back to the budget. */
    void deleted(SpillFile file, long reservedBytes) {
        stats.releaseBodyTemp(reservedBytes);
        if (live.remove(file)) {
            stats.bodyTempFileDeleted();
        }
    }

    /** Temp files that exist now. */
    public int liveCount() {
        return live.size();
    }

    /** Deletes every live temp file (server stop); returns how many there were. */
    public int deleteAll() {
        int count = 0;
        for (SpillFile file : live) {
            file.delete();
            count++;
        }
        return count;
    }

    /** The disk budget for request bodies is spent: the request gets 503, the server is fine. */
    public static final class SpillRefusedException extends IOException {
        private static final long serialVersionUID = 1L;

        SpillRefusedException(String message) {
            super(message, null);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // expected under load; the message says it all
        }
    }
}
