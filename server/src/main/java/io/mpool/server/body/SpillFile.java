package io.mpool.server.body;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One spilled request body: a temp file named {@code mpool-body-*.tmp}, open for appending while
 * the body is read and for positional reads after. {@link #delete()} closes and removes it; it is
 * idempotent and may come from any thread (the request's reset, the view's final release, an
 * abort, the server's stop), whichever is first.
 */
public final class SpillFile {
    private static final Logger LOG = Logger.getLogger(SpillFile.class.getName());
    static final String PREFIX = "mpool-body-";
    static final String SUFFIX = ".tmp";

    private final Path path;
    private final FileChannel channel;
    private final SpillFiles owner;
    private long size;
    /** Bytes taken from the server's disk budget, given back at delete. */
    private long reserved;
    private boolean deleted;

    private SpillFile(Path path, FileChannel channel, SpillFiles owner) {
        this.path = path;
        this.channel = channel;
        this.owner = owner;
    }

    static SpillFile create(Path dir, SpillFiles owner) throws IOException {
        Path path = Files.createTempFile(dir, PREFIX, SUFFIX);
        try {
            return new SpillFile(path, owner.open(path), owner);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(path);
            throw e;
        }
    }

    /**
     * Appends {@code data} (position to limit) in full.
     *
     * @throws SpillFiles.SpillRefusedException when it would pass the server's disk budget
     * @throws IOException                      when the write fails (a full disk)
     */
    public synchronized void append(ByteBuffer data) throws IOException {
        checkLive();
        int bytes = data.remaining();
        owner.reserve(bytes);
        reserved += bytes;
        while (data.hasRemaining()) {
            channel.write(data, size + bytes - data.remaining());
        }
        size += bytes;
        owner.spilled(bytes);
    }

    /** Reads into {@code dst} from {@code position}; -1 past the end. */
    public synchronized int read(ByteBuffer dst, long position) throws IOException {
        checkLive();
        return position >= size ? -1 : channel.read(dst, position);
    }

    public synchronized long size() {
        return size;
    }

    /** The open channel, for a zero-copy send; valid until {@link #delete()}. */
    public synchronized FileChannel channel() throws IOException {
        checkLive();
        return channel;
    }

    public Path path() {
        return path;
    }

    /** Closes and removes the file; idempotent. */
    public void delete() {
        long giveBack;
        synchronized (this) {
            if (deleted) {
                return;
            }
            deleted = true;
            giveBack = reserved;
            try {
                channel.close();
                Files.deleteIfExists(path);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "could not delete request body temp file " + path, e);
            }
        }
        owner.deleted(this, giveBack);
    }

    private void checkLive() throws IOException {
        if (deleted) {
            throw new IOException("request body temp file " + path + " was already deleted");
        }
    }
}
