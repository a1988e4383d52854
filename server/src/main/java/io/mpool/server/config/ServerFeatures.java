package io.mpool.server.config;

/**
 * What the server adds around the application's handler, each on or off.
 *
 * @param requestMetrics {@code http_server_requests_seconds} on {@code /metrics} ({@code --request-metrics})
 * @param gzip           gzip for compressible responses the client accepts it for ({@code --gzip})
 */
public record ServerFeatures(boolean requestMetrics, boolean gzip) {
    public static final boolean DEFAULT_REQUEST_METRICS = true;
    /** Off, as in nginx: compression costs CPU, and a proxy in front may do it already. */
    public static final boolean DEFAULT_GZIP = false;
    public static final ServerFeatures DEFAULTS = new ServerFeatures(DEFAULT_REQUEST_METRICS, DEFAULT_GZIP);

    @Override
    public String toString() {
        return "requestMetrics=" + requestMetrics + " gzip=" + gzip;
    }
}
