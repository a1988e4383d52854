package io.mpool.server.transport;

import io.mpool.server.config.CertificateSource;
import io.mpool.server.stats.ServerStats;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import org.xnio.XnioWorker;

/**
 * The HTTPS listener's certificate, read again when its files change: Kubernetes updates a
 * mounted Secret in place (a new directory, then one symlink renamed over the old), cert-manager
 * renews every few weeks, an operator copies new files over the old ones. Once a second the files
 * are looked at again through any symlinks, so a swap is seen whatever way it is made; a file watch
 * would miss the symlink swap, which changes no file in the watched directory that holds the
 * certificate. A look is one {@code stat} per file: which file it is (device and inode), its size,
 * modification and change times; only when one of them moved, or the file changed too shortly
 * before the last look for the file system's clock to tell a later write apart ({@link
 * #SETTLE_MILLIS}), is its content read and hashed (SHA-256), and only a change of content reloads
 * (a {@code touch} does not). The change time is the kernel's, set by every write and rename and by
 * no program, so a copy that keeps size and modification time ({@code cp -p}) is seen too.
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
    /**
     * How long before a look a file must have last changed for its {@code stat} to vouch for its
     * content at the next look: file times tick with the kernel's coarse clock (a few ms), so a
     * write in the same tick as the last look, after it, may leave every time as it was.
     */
    static final long SETTLE_MILLIS = 1000;
    /** The {@code stat} fields that tell a change, where the file system has a unix view. */
    private static final String UNIX_STAMP = "unix:dev,ino,size,lastModifiedTime,ctime";

    private final CertificateSource source;
    private final ServerStats stats;
    private volatile SSLContext current;
    /** The files as last looked at (the polling task only; one at a time). */
    private List<FileState> seen;
    /** The wall clock of the look that made {@link #seen}. */
    private long seenAtMillis;
    private final LongSupplier clock;
    /** Files whose content was read and hashed, for the tests: unchanged files are not. */
    private long filesHashed;
    /** A look is scheduled or running: the next second's waits for it. */
    private final AtomicBoolean polling = new AtomicBoolean();

    /**
     * What one look at a file saw: its {@code stat} ({@code stamp}) and content hash; {@code digest}
     * holds the error when it could not be read, and {@code changedMillis} is when it last changed.
     */
    private record FileState(Path path, Object stamp, long changedMillis, String digest) {
        /** Same content as {@code other} (or the same error): what decides a reload. */
        boolean sameContent(FileState other) {
            return path.equals(other.path) && digest.equals(other.digest);
        }
    }

    /** Outcome of one look at the files. */
    enum Poll { UNCHANGED, RELOADED, FAILED }

    /** Starts with {@code source}'s initial context, its files as they are now. */
    public CertificateReloader(CertificateSource source, ServerStats stats) {
        this(source, stats, System::currentTimeMillis);
    }

    /** With {@code clock} as the wall clock the looks compare file times with (tests). */
    CertificateReloader(CertificateSource source, ServerStats stats, LongSupplier clock) {
        this.source = source;
        this.stats = stats;
        this.clock = clock;
        this.current = source.initial();
        this.seenAtMillis = clock.getAsLong();
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
        long lookedAt = clock.getAsLong();
        List<FileState> now = look(source.files());
        boolean unchanged = sameContent(now, seen);
        seen = now;
        seenAtMillis = lookedAt;
        if (unchanged) {
            return Poll.UNCHANGED;
        }
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

    private static boolean sameContent(List<FileState> now, List<FileState> before) {
        if (now.size() != before.size()) {
            return false;
        }
        for (int i = 0; i < now.size(); i++) {
            if (!now.get(i).sameContent(before.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** The files as they are now; each read and hashed unless its stat vouches for what was seen. */
    private List<FileState> look(List<Path> files) {
        List<FileState> states = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            FileState before = seen == null || seen.size() != files.size() ? null : seen.get(i);
            try {
                Object stamp;
                long changedMillis;
                try {
                    Map<String, Object> unix = Files.readAttributes(file, UNIX_STAMP);
                    stamp = unix;
                    changedMillis = Math.max(((FileTime) unix.get("lastModifiedTime")).toMillis(),
                            ((FileTime) unix.get("ctime")).toMillis());
                } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
                    BasicFileAttributes basic = Files.readAttributes(file, BasicFileAttributes.class);
                    stamp = List.of(String.valueOf(basic.fileKey()), basic.size(), basic.lastModifiedTime());
                    changedMillis = basic.lastModifiedTime().toMillis();
                }
                boolean vouched = before != null && stamp.equals(before.stamp())
                        && seenAtMillis - before.changedMillis() > SETTLE_MILLIS;
                String digest = vouched ? before.digest() : sha256(file);
                states.add(new FileState(file, stamp, changedMillis, digest));
            } catch (IOException e) {
                states.add(new FileState(file, e.toString(), 0, e.toString()));
            }
        }
        return states;
    }

    /** How many times a file's content was read and hashed. */
    synchronized long filesHashed() {
        return filesHashed;
    }

    private String sha256(Path file) throws IOException {
        filesHashed++;
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
