package io.mpool.mempool;

/** One outstanding block, and where it was taken when leak tracking is on. */
public record OutstandingBlock(String block, Throwable takenAt) {
    @Override
    public String toString() {
        if (takenAt == null) {
            return block + " (taken at: unknown; set -Dmpool.debug.leakTracking=true)";
        }
        StringBuilder sb = new StringBuilder(block).append(" taken at:");
        for (StackTraceElement frame : takenAt.getStackTrace()) {
            sb.append("\n\tat ").append(frame);
        }
        return sb.toString();
    }
}
