package io.mpool.server.demo;

import io.mpool.server.AllowedMethods;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.resource.ResourceHandler;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The main listener's routes: {@code GET /hello}, {@code POST /echo}, {@code POST /upload}, {@code POST /json},
 * {@code GET /bytes/{n}}, and with a static directory {@code GET /static/...} ({@link StaticFileHandler}:
 * Undertow's {@link ResourceHandler} with ranges, {@code ETag}, {@code If-Modified-Since}, a plain
 * GET of a file in fewer system calls) (HEAD wherever GET,
 * OPTIONS everywhere, {@code OPTIONS *} for the server as a whole: {@link AllowedMethods}); a method
 * we do not recognize (case counts: {@code get} is not GET) 501, an unknown path 404, a known path
 * with the wrong method 405 with {@code Allow}.
 *
 * <p>The demo application of the server, built only on its public API: the command line runs it,
 * an embedder would pass its own handler instead.
 */
public final class Routes implements HttpHandler {
    /** Where static files are served: {@code /static/a.txt} is {@code a.txt} in the directory. */
    public static final String STATIC_PREFIX = "/static/";
    /**
     * A range of a file at least this large goes out with a zero-copy transfer from the file, of a
     * smaller one through pool buffers (Undertow's {@code PathResourceManager} default is 1 KB). A
     * whole file goes out with the transfer at every size ({@link StaticFileHandler}).
     */
    public static final long STATIC_TRANSFER_MIN_SIZE = 64 * 1024;

    /** {@code OPTIONS *}: the server as a whole (RFC 9110 section 9.3.7), every method some route takes. */
    static final AllowedMethods SERVER = AllowedMethods.of("GET", "HEAD", "POST", "OPTIONS");

    private final HttpHandler hello = new HelloHandler();
    private final HttpHandler echo = new EchoHandler();
    private final HttpHandler upload = new UploadHandler();
    private final HttpHandler bytes = new BytesHandler();
    private final HttpHandler json = new JsonHandler();
    /** Null without a static directory. */
    private final StaticFileHandler files;

    /**
     * @param staticDir the directory served under {@link #STATIC_PREFIX}, or null for none
     * @throws IllegalArgumentException when {@code staticDir} is not an existing, readable directory
     */
    public Routes(Path staticDir) {
        if (staticDir != null && (!Files.isDirectory(staticDir) || !Files.isReadable(staticDir))) {
            throw new IllegalArgumentException("--static-dir=" + staticDir + " (expected: an existing, readable"
                    + " directory)");
        }
        this.files = staticDir == null ? null : new StaticFileHandler(staticDir, STATIC_TRANSFER_MIN_SIZE);
    }

    /** The static directory's handler, or null without one (for tests). */
    StaticFileHandler files() {
        return files;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (!AllowedMethods.known(exchange)) {
            Responses.notImplemented(exchange);
            return;
        }
        String path = exchange.getRequestPath();
        switch (path) {
            case "/hello" -> route(exchange, AllowedMethods.GET, hello);
            case "/echo" -> route(exchange, AllowedMethods.POST, echo);
            case "/upload" -> route(exchange, AllowedMethods.POST, upload);
            case "/json" -> route(exchange, AllowedMethods.POST, json);
            // Undertow's parser takes the asterisk-form with OPTIONS only (400 otherwise).
            case "*" -> Responses.options(exchange, SERVER);
            default -> {
                if (path.startsWith("/bytes/")) {
                    route(exchange, AllowedMethods.GET, bytes);
                } else if (files != null && path.startsWith(STATIC_PREFIX)) {
                    exchange.setRelativePath(path.substring(STATIC_PREFIX.length() - 1));
                    route(exchange, AllowedMethods.GET, files);
                } else {
                    Responses.text(exchange, 404, "no route for " + path
                            + " (routes: GET /hello, POST /echo, POST /upload, POST /json, GET /bytes/{n}"
                            + (files == null ? ")" : ", GET " + STATIC_PREFIX + "...)"));
                }
            }
        }
    }

    private static void route(HttpServerExchange exchange, AllowedMethods allowed, HttpHandler handler)
            throws Exception {
        switch (allowed.check(exchange)) {
            case SERVE -> handler.handleRequest(exchange);
            case OPTIONS -> Responses.options(exchange, allowed);
            case NOT_ALLOWED -> Responses.methodNotAllowed(exchange, allowed);
            case NOT_IMPLEMENTED -> Responses.notImplemented(exchange);
        }
    }
}
