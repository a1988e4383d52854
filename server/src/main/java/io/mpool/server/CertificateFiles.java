package io.mpool.server;

import io.mpool.server.config.CertificateSource;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * An HTTPS listener's certificate and key from files that are read again when they change
 * ({@link MpoolServerBuilder#addHttpsListener(int, String, CertificateFiles)}): new connections get
 * the new certificate, open ones keep theirs, and a changed file that is broken (unreadable, not a
 * certificate or key, a key of another certificate) is logged and refused while the certificate in
 * use stays. The files are looked at once a second, through symlinks, so a Kubernetes Secret
 * mounted as a volume (updated by one symlink swap) and files copied over in place are both seen.
 */
public final class CertificateFiles {
    private final CertificateSource source;

    private CertificateFiles(CertificateSource source) {
        this.source = source;
    }

    /**
     * A PEM certificate chain (the server's certificate first) and its PEM PKCS#8 private key (RSA
     * or EC), read now ({@link TlsContexts#fromPem}).
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static CertificateFiles pem(Path certificateChain, Path privateKey) {
        return of(List.of(certificateChain, privateKey), () -> TlsContexts.fromPem(certificateChain, privateKey));
    }

    /**
     * A PKCS#12 keystore's first private key entry, read now ({@link TlsContexts#fromPkcs12}); the
     * password is kept to read the keystore again.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static CertificateFiles pkcs12(Path keystore, char[] password) {
        char[] kept = password.clone();
        return of(List.of(keystore), () -> TlsContexts.fromPkcs12(keystore, kept));
    }

    private static CertificateFiles of(List<Path> files, Supplier<SSLContext> read) {
        return new CertificateFiles(new CertificateSource(read.get(), files, read));
    }

    /** The files, in the order they were given. */
    public List<Path> files() {
        return source.files();
    }

    CertificateSource source() {
        return source;
    }

    @Override
    public String toString() {
        return "CertificateFiles" + source.files();
    }
}
