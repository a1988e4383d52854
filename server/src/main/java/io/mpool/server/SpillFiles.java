package io.mpool.server;

import io.mpool.server.connection.ServerStats;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's live temp files of spilled request bodies: counted on the admin view, and deleted
 * at server stop should a connection's own cleanup not have run by then.
 */
final class SpillFiles {
    private final ServerStats stats;
    private final Set<SpillFile> live = ConcurrentHashMap.newKeySet();

    SpillFiles(ServerStats stats) {
        this.stats = stats;
    }

    /** A new, empty temp file in {@code dir}, counted live until {@link SpillFile#delete()}. */
    SpillFile create(Path dir) throws IOException {
        SpillFile file = SpillFile.create(dir, this);
        live.add(file);
        stats.bodyTempFilesLive.increment();
        stats.bodySpills.increment();
        return file;
    }

    void spilled(long bytes) {
        stats.bodySpillBytes.add(bytes);
    }

    void deleted(SpillFile file) {
        if (live.remove(file)) {
            stats.bodyTempFilesLive.decrement();
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
}
