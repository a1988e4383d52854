package io.mpool.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.server.OpensslCertificates;
import io.mpool.server.TlsContexts;
import io.mpool.server.config.CertificateSource;
import io.mpool.server.stats.ServerStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One look at the files at a time, without a server: a change is read once, a broken change is
 * logged once (naming the file and what is wrong) and counted however often the files are looked
 * at again, and the context in use stays until a good change comes.
 */
class CertificateReloaderTest {
    @TempDir
    Path dir;

    @Test
    void aBrokenChangeIsLoggedOnceAndTheContextInUseStays() throws Exception {
        OpensslCertificates ca = OpensslCertificates.createCa(Files.createDirectory(dir.resolve("ca")));
        OpensslCertificates.Pair first = ca.issue(1);
        OpensslCertificates.Pair second = ca.issue(2);
        Path cert = Files.writeString(dir.resolve("tls.crt"), first.certificatePem());
        Path key = Files.writeString(dir.resolve("tls.key"), first.keyPem());
        SSLContext initial = TlsContexts.fromPem(cert, key);
        ServerStats stats = new ServerStats();
        CertificateReloader reloader = new CertificateReloader(new CertificateSource(initial, List.of(cert, key),
                () -> TlsContexts.fromPem(cert, key)), stats);
        List<LogRecord> warnings = new ArrayList<>();
        Logger log = Logger.getLogger(CertificateReloader.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        try {
            assertEquals(CertificateReloader.Poll.UNCHANGED, reloader.poll());
            Files.writeString(cert, "garbage\n");
            assertEquals(CertificateReloader.Poll.FAILED, reloader.poll());
            assertEquals(CertificateReloader.Poll.UNCHANGED, reloader.poll());
            assertEquals(CertificateReloader.Poll.UNCHANGED, reloader.poll());
            assertSame(initial, reloader.current());
            assertEquals(1, warnings.size(), warnings.toString());
            String message = warnings.get(0).getMessage();
            assertTrue(message.contains("--tls-cert=" + cert + " (expected: "), message);
            // The new certificate with the old key: refused too, once, naming the key.
            Files.writeString(cert, second.certificatePem());
            assertEquals(CertificateReloader.Poll.FAILED, reloader.poll());
            assertEquals(2, warnings.size(), warnings.toString());
            assertTrue(warnings.get(1).getMessage().contains("--tls-key=" + key), warnings.get(1).getMessage());
            assertEquals(2, stats.certificateReloadFailures());
            // Its key arrives: taken.
            Files.writeString(key, second.keyPem());
            assertEquals(CertificateReloader.Poll.RELOADED, reloader.poll());
            assertEquals(CertificateReloader.Poll.UNCHANGED, reloader.poll());
            assertEquals(1, stats.certificateReloads());
            assertTrue(reloader.current() != initial);
        } finally {
            log.removeHandler(capture);
        }
    }

    @Test
    void aLookReadsOnlyFilesWhoseStatMovedOrChangedJustBeforeTheLastLook() throws Exception {
        OpensslCertificates ca = OpensslCertificates.createCa(Files.createDirectory(dir.resolve("ca")));
        OpensslCertificates.Pair first = ca.issue(1);
        OpensslCertificates.Pair second = ca.issue(2);
        Path cert = Files.writeString(dir.resolve("tls.crt"), first.certificatePem());
        Path key = Files.writeString(dir.resolve("tls.key"), first.keyPem());
        SSLContext initial = TlsContexts.fromPem(cert, key);
        ServerStats stats = new ServerStats();
        long changed = Math.max(Files.getLastModifiedTime(cert).toMillis(), Files.getLastModifiedTime(key).toMillis());
        // The clock of the looks: at first just after the files were written (their times cannot
        // vouch for them yet), then long after.
        AtomicLong clock = new AtomicLong(changed);
        CertificateReloader reloader = new CertificateReloader(new CertificateSource(initial, List.of(cert, key),
                () -> TlsContexts.fromPem(cert, key)), stats, clock::get);
        assertEquals(2, reloader.filesHashed());
        assertEquals(CertificateReloader.Poll.UNCHANGED, reloader.poll());
        assertEquals(4, reloader.filesHashed(), "files that changed in the tick of the last look are read again");
        clock.set(changed + 10 * CertificateReloader.SETTLE_MILLIS);
        assertEquals(CertificateReloader.Poll.UNCHANGED, reloader.poll());
        assertEquals(6, reloader.filesHashed(), "the look after them still compares content");
        assertEquals(CertificateReloader.Poll.UNCHANGED, reloader.poll());
        assertEquals(CertificateReloader.Poll.UNCHANGED, reloader.poll());
        assertEquals(6, reloader.filesHashed(), "settled files whose stat did not move are not read");

        // A new certificate and, as an operator's 'cp -p' of another one would leave it, a key of the
        // same size with the old modification time, moved over the old key: the stat tells them.
        Files.writeString(cert, second.certificatePem());
        assertEquals(CertificateReloader.Poll.FAILED, reloader.poll());
        FileTime modified = Files.getLastModifiedTime(key);
        Path next = Files.writeString(dir.resolve("tls.key.next"), second.keyPem());
        assertEquals(Files.size(key), Files.size(next), "P-256 PKCS#8 keys have one size");
        Files.setLastModifiedTime(next, modified);
        Files.move(next, key, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        assertEquals(CertificateReloader.Poll.RELOADED, reloader.poll());
        assertEquals(1, stats.certificateReloads());
        assertTrue(reloader.current() != initial);
        // A touch moves the stat but not the content: no reload.
        Files.setLastModifiedTime(cert, FileTime.fromMillis(modified.toMillis() + 5000));
        assertEquals(CertificateReloader.Poll.UNCHANGED, reloader.poll());
        assertEquals(1, stats.certificateReloads());
    }
}
