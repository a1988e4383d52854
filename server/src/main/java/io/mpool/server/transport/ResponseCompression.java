package io.mpool.server.transport;

import io.undertow.predicate.Predicate;
import io.undertow.server.ConduitWrapper;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.encoding.ContentEncodingRepository;
import io.undertow.server.handlers.encoding.EncodingHandler;
import io.undertow.server.handlers.encoding.GzipEncodingProvider;
import io.undertow.util.ConduitFactory;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import java.util.Locale;
import org.xnio.conduits.StreamSinkConduit;

/**
 * {@code --gzip}: Undertow's {@link EncodingHandler} with gzip, for text responses of at least
 * {@value #MIN_LENGTH} bytes (or of unknown length) to clients whose {@code Accept-Encoding}
 * takes it, and {@code Vary: Accept-Encoding} on every response of a compressible type, so a
 * cache keeps the two forms apart.
 *
 * <p>The compressor's output buffers come from {@code exchange.getConnection().getByteBufferPool()}
 * (Undertow's {@code DeflatingStreamSinkConduit}), which here is the connection's pool: they are
 * request-region memory, back at the request's reset. The {@code Deflater} itself (zlib's native
 * state, about 256 KiB) is Undertow's, pooled by its provider.
 */
public final class ResponseCompression {
    /**
     * Smallest body compressed. nginx's {@code gzip_min_length} default of 20 bytes compresses
     * bodies that then grow (gzip adds 18 bytes of header and trailer) and spends a deflate per
     * tiny answer; a body under 1 KiB fits in one TCP segment (1,460 bytes on Ethernet) with its
     * headers either way, so compressing it saves neither a round trip nor a packet. 1 KiB is
     * also where Akamai and Cloudflare start.
     */
    public static final long MIN_LENGTH = 1024;
    /** gzip's {@code q} among encodings: the one offered. */
    private static final int GZIP_PRIORITY = 50;
    /** Types worth compressing: text, and the structured text types that do not say {@code text/}. */
    private static final String[] COMPRESSIBLE = {"text/", "application/json", "application/javascript",
        "application/xml", "application/xhtml+xml", "application/rss+xml", "application/atom+xml",
        "application/ld+json", "application/manifest+json", "image/svg+xml"};

    private static final ConduitWrapper<StreamSinkConduit> VARY = ResponseCompression::addVary;

    private ResponseCompression() {
    }

    /** {@code next} with gzip for compressible responses. */
    public static HttpHandler gzip(HttpHandler next) {
        Predicate worthIt = ResponseCompression::worthCompressing;
        EncodingHandler encoding = new EncodingHandler(next, new ContentEncodingRepository()
                .addEncodingHandler("gzip", new GzipEncodingProvider(), GZIP_PRIORITY, worthIt));
        return exchange -> {
            exchange.addResponseWrapper(VARY);
            encoding.handleRequest(exchange);
        };
    }

    /** Evaluated as the response starts: its headers are final then. */
    static boolean worthCompressing(HttpServerExchange exchange) {
        if (!compressibleType(exchange) || exchange.getStatusCode() == StatusCodes.PARTIAL_CONTENT
                || exchange.getResponseHeaders().contains(Headers.CONTENT_RANGE)) {
            return false; // a range of the identity body must stay that
        }
        String length = exchange.getResponseHeaders().getFirst(Headers.CONTENT_LENGTH);
        return length == null || Long.parseLong(length) >= MIN_LENGTH;
    }

    private static boolean compressibleType(HttpServerExchange exchange) {
        String type = exchange.getResponseHeaders().getFirst(Headers.CONTENT_TYPE);
        if (type == null) {
            return false;
        }
        String lower = type.toLowerCase(Locale.ROOT);
        for (String prefix : COMPRESSIBLE) {
            if (lower.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static StreamSinkConduit addVary(ConduitFactory<StreamSinkConduit> factory, HttpServerExchange exchange) {
        if (compressibleType(exchange)) {
            exchange.getResponseHeaders().add(Headers.VARY, Headers.ACCEPT_ENCODING_STRING);
        }
        return factory.create();
    }
}
