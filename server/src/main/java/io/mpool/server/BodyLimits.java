package io.mpool.server;

import java.nio.file.Path;

/**
 * How {@link RequestBody} keeps a whole body: in the connection's pool up to {@code inMemoryMax}
 * bytes ({@code --body-in-memory-max}), past it in a temp file in {@code tempDir}
 * ({@code --body-temp-dir}), counted and cleaned up through {@code spillFiles}. The largest body
 * accepted at all is {@code --max-body-size}, enforced (413) by the framing check before any of
 * this runs.
 */
record BodyLimits(long inMemoryMax, Path tempDir, SpillFiles spillFiles) {
    public BodyLimits {
        if (inMemoryMax < 0) {
            throw new IllegalArgumentException("--body-in-memory-max=" + inMemoryMax + " (expected: >= 0)");
        }
        if (tempDir == null || spillFiles == null) {
            throw new IllegalArgumentException("tempDir=" + tempDir + " spillFiles=" + spillFiles
                    + " (expected: both set)");
        }
    }
}
