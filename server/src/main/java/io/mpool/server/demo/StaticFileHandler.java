package io.mpool.server.demo;

import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.resource.PathResourceManager;
import io.undertow.server.handlers.resource.ResourceHandler;
import io.undertow.util.CanonicalPathUtils;
import io.undertow.util.DateUtils;
import io.undertow.util.ETag;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.MimeMappings;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Date;
import java.util.concurrent.atomic.LongAdder;
import org.xnio.IoUtils;

/**
 * The files of a directory: a plain GET or HEAD of a regular file answered from one {@code lstat}
 * and one {@code open} (then {@code sendfile}), everything else by Undertow's {@link ResourceHandler}.
 *
 * <p>Why: a {@code PathResourceManager} looks a file up with about twenty system calls per
 * request ({@code access}, thirteen {@code stat}s, a {@code readlink} per component of the
 * absolute path for its symbolic-link and case checks, {@code lseek}, two {@code fstat}s), which
 * profiling put at a third of a 1 KiB file's CPU and a tenth of a 1 MiB file's. nginx makes the
 * same answer from {@code open}, {@code fstat}, {@code sendfile}, {@code close}. Here the one
 * {@code lstat} of the file (no symbolic link below the directory, as the resource manager's
 * default refuses them too: one more {@code lstat} per subdirectory) gives its type, size and
 * modification time, from which come {@code Content-Length}, {@code Last-Modified} and the
 * {@code ETag}; the file is then opened without following a link and sent: a file that fits in a
 * pool buffer read behind the head and written with it, as the resource handler sends it; a larger
 * one by {@code sendfile} alone once the head is out ({@link FileTransfer}), where the resource
 * handler reads its first buffer's worth into a second buffer. Nothing is cached between requests.
 *
 * <p>The answer is the one the resource handler gives, header for header and byte for byte.
 * Whatever the plain path does not decide goes to the resource handler unchanged: a missing
 * file, a directory, a symbolic link, a {@code Range}, any conditional header ({@code 304},
 * {@code 412} and {@code If-Range} are its), a path the resource manager would refuse, and every
 * file on a file system that ignores case (where its case check, not a lookup by name, decides).
 *
 * <p>Like the resource handler, the file work runs on a worker thread, not the IO thread: a file
 * that is not in the page cache blocks its reader, and an IO thread serves many connections.
 */
final class StaticFileHandler implements HttpHandler {
    /** {@link ResourceHandler}'s default, which the fallback keeps. */
    private static final MimeMappings MIME_TYPES = MimeMappings.DEFAULT;
    /** {@link ResourceHandler}'s answer for a file whose name has no known extension. */
    private static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";
    private static final String ACCEPT_RANGES = "bytes";

    private final Path base;
    private final ResourceHandler resources;
    /** False on a file system that ignores case: then every request goes to {@link #resources}. */
    private final boolean plainPathOn;
    private final LongAdder answeredPlain = new LongAdder();

    /**
     * @param base the directory, existing and readable
     * @param transferMinSize the resource handler's threshold below which a file goes through pool
     *        buffers instead of {@code transferFrom} (it still serves ranges)
     */
    StaticFileHandler(Path base, long transferMinSize) {
        this.base = base.toAbsolutePath().normalize();
        this.resources = new ResourceHandler(PathResourceManager.builder()
                .setBase(this.base)
                .setTransferMinSize(transferMinSize)
                .setETagFunction(StaticFileHandler::etag)
                .build());
        this.plainPathOn = caseSensitive(this.base);
    }

    /** Requests answered by the plain path, not the resource handler (for tests). */
    long answeredPlain() {
        return answeredPlain.sum();
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (!plainPathOn || !plainRequest(exchange)) {
            resources.handleRequest(exchange);
            return;
        }
        if (exchange.isInIoThread()) {
            exchange.dispatch(this); // file system calls may block: a worker takes them, as in the resource handler
            return;
        }
        Path file = regularFileBelowBase(exchange.getRelativePath());
        if (file == null) {
            resources.handleRequest(exchange); // not ours to decide: 404, 403, a redirect, ...
            return;
        }
        BasicFileAttributes attributes;
        FileChannel channel = null;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile()) {
                resources.handleRequest(exchange);
                return;
            }
            if (exchange.getRequestMethod().equals(Methods.GET)) {
                channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            }
        } catch (IOException e) {
            // gone, not ours to read, or replaced by a link since the lstat: the resource handler's answer
            IoUtils.safeClose(channel);
            resources.handleRequest(exchange);
            return;
        }
        answeredPlain.increment();
        long size = attributes.size();
        long lastModified = attributes.lastModifiedTime().toMillis();
        HeaderMap headers = exchange.getResponseHeaders();
        exchange.setResponseContentLength(size);
        headers.put(Headers.ACCEPT_RANGES, ACCEPT_RANGES);
        if (!headers.contains(Headers.CONTENT_TYPE)) {
            headers.put(Headers.CONTENT_TYPE, contentType(file));
        }
        headers.put(Headers.LAST_MODIFIED, DateUtils.toDateString(new Date(lastModified)));
        headers.put(Headers.ETAG, etag(lastModified, size).toString());
        if (channel == null) {
            exchange.endExchange(); // HEAD
        } else if (FileTransfer.sendsFilesByItself(exchange, size)) {
            FileTransfer.send(exchange, channel, size); // the head alone, then sendfile: no buffer for the body
        } else {
            exchange.getResponseSender().transferFrom(channel, new ClosingCallback(channel));
        }
    }

    /**
     * A GET or HEAD without a header that the resource handler would have to weigh: no range, no
     * precondition. A path ending in a slash names a directory (or nothing): the handler's too.
     */
    private static boolean plainRequest(HttpServerExchange exchange) {
        if (!exchange.getRequestMethod().equals(Methods.GET) && !exchange.getRequestMethod().equals(Methods.HEAD)) {
            return false;
        }
        HeaderMap request = exchange.getRequestHeaders();
        return !request.contains(Headers.RANGE) && !request.contains(Headers.IF_RANGE)
                && !request.contains(Headers.IF_MATCH) && !request.contains(Headers.IF_NONE_MATCH)
                && !request.contains(Headers.IF_MODIFIED_SINCE) && !request.contains(Headers.IF_UNMODIFIED_SINCE)
                && !exchange.getRelativePath().endsWith("/");
    }

    /**
     * The file {@code relativePath} names, if it lies below the base directory and no component
     * below the base is a symbolic link; null otherwise (the resource handler decides). The file
     * itself is checked by the caller's {@code lstat}; here only the directories between.
     */
    private Path regularFileBelowBase(String relativePath) {
        String canonical = CanonicalPathUtils.canonicalize(relativePath); // as the resource handler does
        String inside = canonical.startsWith("/") ? canonical.substring(1) : canonical;
        Path file;
        try {
            file = base.resolve(inside).normalize();
        } catch (InvalidPathException e) {
            return null;
        }
        if (inside.isEmpty() || !file.startsWith(base) || file.getNameCount() <= base.getNameCount()) {
            return null;
        }
        for (Path directory = file.getParent(); !directory.equals(base); directory = directory.getParent()) {
            if (Files.isSymbolicLink(directory)) {
                return null;
            }
        }
        return file;
    }

    /** {@link ResourceHandler}'s: by the file name's extension, octet-stream without one it knows. */
    private static String contentType(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String type = dot != -1 && dot != name.length() - 1 ? MIME_TYPES.getMimeType(name.substring(dot + 1)) : null;
        return type != null ? type : DEFAULT_CONTENT_TYPE;
    }

    /**
     * A validator from the file's modification time and size, as nginx makes its {@code etag}: one
     * {@code stat} for both. The resource handler's path ({@link #etag(Path)}) and the plain one
     * make the same.
     */
    static ETag etag(long lastModifiedMillis, long size) {
        return new ETag(false, Long.toHexString(lastModifiedMillis) + "-" + Long.toHexString(size));
    }

    private static ETag etag(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return etag(attributes.lastModifiedTime().toMillis(), attributes.size());
        } catch (IOException e) {
            return null; // the file went away: no validator, the handler answers 404
        }
    }

    /**
     * Whether names in {@code directory} are told apart by case: the directory's own name, or the
     * nearest ancestor's with a letter in it, looked up with its case swapped must not find the
     * same directory. Without any letter to try, the answer is no (the resource handler serves).
     */
    static boolean caseSensitive(Path directory) {
        for (Path named = directory; named != null && named.getFileName() != null; named = named.getParent()) {
            String name = named.getFileName().toString();
            String swapped = swapCase(name);
            if (!swapped.equals(name)) {
                Path other = named.resolveSibling(swapped);
                try {
                    return !Files.exists(other, LinkOption.NOFOLLOW_LINKS) || !Files.isSameFile(named, other);
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return false;
    }

    private static String swapCase(String name) {
        StringBuilder swapped = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            swapped.append(Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
        }
        return swapped.toString();
    }

    /** Closes the file once the transfer has ended, either way, then ends the exchange as Undertow's default does. */
    private static final class ClosingCallback implements IoCallback {
        private final FileChannel channel;

        ClosingCallback(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public void onComplete(HttpServerExchange exchange, Sender sender) {
            IoUtils.safeClose(channel);
            IoCallback.END_EXCHANGE.onComplete(exchange, sender);
        }

        @Override
        public void onException(HttpServerExchange exchange, Sender sender, IOException exception) {
            IoUtils.safeClose(channel);
            IoCallback.END_EXCHANGE.onException(exchange, sender, exception);
        }
    }
}
