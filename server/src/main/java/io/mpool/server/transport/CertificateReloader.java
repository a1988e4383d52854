package io.mpool.server.transport;

import io.mpool.server.config.CertificateSource;
import io.mpool.server.stats.ServerStats;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import org.xnio.XnioWorker;

/**
 * The HTTPS listener's certificate, read again when its files change: Kubernetes updates a
 * mounted Secret in place (a new directory, then one symlink renamed over the old), cert-manager
 * renews every few weeks, an operator copies new files over the old ones. Once a second the files
 * are looked at again (modification time, size and a SHA-256 of their content, through any
 * symlinks), so a swap is seen whatever way it is made; a file watch would miss the symlink swap,
 * which changes no file in the watched directory that holds the certificate.
 *
 * <p>A change is read on a task thread, never an IO thread (a slow volume must not stall
 * connections). New connections get the new certificate; open ones keep the session they agreed
 * on. A file that cannot be read, is not a certificate or key, or whose key does not match the
 * certificate is logged once per change (WARNING, naming the file and what is wrong), counted, and
 * the certificate in use stays: a half-copied pair (the certificate new, the key old) is refused
 * until the key arrives, then taken.
 */
public final class CertificateReloader {
    private static final Logger LOG = Logger.getLogger(CertificateReloader.class.getName());
    /** How often the files are looked at: a rotation is picked up within about a second. */
    static final long POLL_INTERVAL_SECONDS = 1;
    /** Reading buffer for the digest: certificates and keys are a few KB. */
    private static final int READ_CHUNK = 8192;

    private final CertificateSource source;
    private final ServerStats stats;
    private volatile SSLContext current;
    /** The files as last looked at (the polling task only; one at a time). */
    private List<FileState> seen;
    /** A look is scheduled or running: the next second's waits for it. */
    private final AtomicBoolean polling = new AtomicBoolean();

    /** What one look at a file saw; {@code digest} holds the error when it could not be read. */
    private record FileState(Path path, long modifiedMillis, long size, String digest) {
    }

    /** Outcome of one look at the files. */
    enum Poll { UNCHANGED, RELOADED, FAILED }

    /** Starts with {@code source}'s initial context, its files as they are now. */
    public CertificateReloader(CertificateSource source, ServerStats stats) {
        this.source = source;
        this.stats = stats;
        this.current = source.initial();
        this.seen = look(source.files());
    }

    /** The context new connections get. */
    public SSLContext current() {
        return current;
    }

    /**
     * Looks at the files once a second from {@code worker}'s first IO thread, reading them on its
     * task threads; nothing when the certificate has no files.
     */
    public void pollEverySecond(XnioWorker worker) {
        if (source.files().isEmpty()) {
            return;
        }
        worker.getIoThread(0).executeAtInterval(() -> pollOn(worker), POLL_INTERVAL_SECONDS, TimeUnit.SECONDS);
    }

    private void pollOn(XnioWorker worker) {
        if (!polling.compareAndSet(false, true)) {
            return; // the last look is still reading
        }
        try {
            worker.execute(() -> {
                try {
                    poll();
                } finally {
                    polling.set(false);
                }
            });
        } catch (RejectedExecutionException stopping) {
            polling.set(false);
        }
    }

    /** One look at the files: reads them again if any changed since the last look. */
    synchronized Poll poll() {
        List<FileState> now = look(source.files());
        if (now.equals(seen)) {
            return Poll.UNCHANGED;
        }
        seen = now;
        SSLContext next;
        try {
            next = source.reload().get();
        } catch (RuntimeException e) {
            stats.certificateReloadFailed();
            LOG.warning("TLS certificate not reloaded, new connections keep the one in use: " + e.getMessage());
            return Poll.FAILED;
        }
        current = next;
        stats.certificateReloaded();
        LOG.info("TLS certificate reloaded from " + source.files() + ": new connections get it, open ones keep theirs");
        return Poll.RELOADED;
    }

    private static List<FileState> look(List<Path> files) {
        List<FileState> states = new ArrayList<>(files.size());
        for (Path file : files) {
            try {
                states.add(new FileState(file, Files.getLastModifiedTime(file).toMillis(), Files.size(file),
                        sha256(file)));
            } catch (IOException e) {
                states.add(new FileState(file, -1, -1, e.toString()));
            }
        }
        return states;
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            byte[] chunk = new byte[READ_CHUNK];
            while (in.read(chunk) >= 0) {
                // the digest sees every byte
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
