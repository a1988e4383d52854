package io.mpool.server.connection;

/** A connection asked for more pool memory than {@code --connection-max-bytes} allows. */
public final class ConnectionCapExceededException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    ConnectionCapExceededException(long connectionId, long maxBytes, long holding, int asked) {
        super("connection " + connectionId + " passed its cap: connection-max-bytes=" + maxBytes
                + ", holding " + holding + ", asked for " + asked);
    }
}
