package io.mpool.server.body;

import java.nio.file.Path;

/**
 * How {@link RequestBody} keeps a whole body: in the connection's pool up to {@code inMemoryMax}
 * bytes ({@code --body-in-memory-max}), past it in a temp file in {@code tempDir}
 * ({@code --body-temp-dir}), counted, bounded ({@code --body-temp-max}) and cleaned up through
 * {@code spillFiles}; all bodies in memory together within {@code memory}
 * ({@code --body-memory-total}). The largest body
 * accepted at all is {@code --max-body-size}, enforced (413) by the framing check before any of
 * this runs.
 */
public record BodyLimits(long inMemoryMax, Path tempDir, SpillFiles spillFiles, BodyMemoryBudget memory) {
    public BodyLimits {
        if (inMemoryMax < 0) {
            throw new IllegalArgumentException("--body-in-memory-max=" + inMemoryMax + " (expected: >= 0)");
        }
        if (tempDir == null || spillFiles == null || memory == null) {
            throw new IllegalArgumentException("tempDir=" + tempDir + " spillFiles=" + spillFiles + " memory=" + memory
                    + " (expected: all set)");
        }
    }
}
