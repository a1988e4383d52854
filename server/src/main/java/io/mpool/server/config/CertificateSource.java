package io.mpool.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * Where an HTTPS listener's certificate and key come from: the context read at start, the files it
 * was read from (none when the embedder gave an {@link SSLContext} of its own) and how to read them
 * again when they change.
 *
 * @param initial the context the listener starts with
 * @param files   the files watched for a change; empty: the certificate never changes
 * @param reload  reads the files again; throws {@link IllegalArgumentException} naming the file
 *                and what is wrong with it
 */
public record CertificateSource(SSLContext initial, List<Path> files, Supplier<SSLContext> reload) {
    public CertificateSource {
        if (initial == null) {
            throw new IllegalArgumentException("--tls-cert/--tls-keystore=null (expected: the listener's SSLContext:"
                    + " a certificate and its key)");
        }
        files = List.copyOf(files);
        if (!files.isEmpty() && reload == null) {
            throw new IllegalArgumentException("reload=null (expected: how to read " + files + " again)");
        }
    }

    /** A context that never changes (the embedder's own). */
    public static CertificateSource fixed(SSLContext context) {
        return new CertificateSource(context, List.of(), null);
    }
}
