package io.mpool.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The {@link SSLContext} of an HTTPS listener ({@link MpoolServerBuilder#addHttpsListener}) from
 * the files a server's certificate usually comes in, read with the JDK alone: a PEM certificate
 * chain and its PEM PKCS#8 private key (RSA or EC), or a PKCS#12 keystore. A missing, unreadable
 * or malformed file, or a key that does not belong to the certificate, is refused with a message
 * naming the file and what is wrong ({@code --tls-key=path (expected: ...)}).
 */
public final class TlsContexts {
    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    /** Key algorithms tried on a PKCS#8 key, with the signature that proves it matches the certificate. */
    private static final List<String[]> KEY_ALGORITHMS = List.of(
            new String[] {"RSA", "SHA256withRSA"}, new String[] {"EC", "SHA256withECDSA"});
    /** The alias of the one entry of the in-memory keystore. */
    private static final String ALIAS = "mpool";

    private TlsContexts() {
    }

    /**
     * From {@code certificateChain} (PEM: the server's certificate first, then any intermediates)
     * and {@code privateKey} (PEM, unencrypted PKCS#8: {@code BEGIN PRIVATE KEY}; RSA or EC).
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static SSLContext fromPem(Path certificateChain, Path privateKey) {
        List<X509Certificate> chain = readCertificates(certificateChain);
        String keyText = readText("--tls-key", privateKey);
        Matcher matcher = PRIVATE_KEY.matcher(keyText);
        if (!matcher.find()) {
            String hint = keyText.contains("BEGIN RSA PRIVATE KEY") || keyText.contains("BEGIN EC PRIVATE KEY")
                    ? "a PKCS#8 key, not PKCS#1/SEC1: convert it with 'openssl pkcs8 -topk8 -nocrypt -in "
                    + privateKey + "'" : keyText.contains("ENCRYPTED PRIVATE KEY")
                    ? "an unencrypted PKCS#8 key: decrypt it with 'openssl pkcs8 -in " + privateKey + "'"
                    : "a PEM file with -----BEGIN PRIVATE KEY-----";
            throw new IllegalArgumentException("--tls-key=" + privateKey + " (expected: " + hint + ")");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(matcher.group(1).replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--tls-key=" + privateKey + " (expected: valid base64 between the PEM"
                    + " lines: " + e.getMessage() + ")");
        }
        PrivateKey key = null;
        String signature = null;
        for (String[] algorithm : KEY_ALGORITHMS) {
            try {
                key = KeyFactory.getInstance(algorithm[0]).generatePrivate(new PKCS8EncodedKeySpec(der));
                signature = algorithm[1];
                break;
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        if (key == null) {
            throw new IllegalArgumentException("--tls-key=" + privateKey + " (expected: an RSA or EC private key)");
        }
        requireMatch(chain.get(0), key, signature, certificateChain, privateKey);
        return context(chain.toArray(new Certificate[0]), key, new char[0]);
    }

    /**
     * From the first private key entry of a PKCS#12 keystore and its password.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static SSLContext fromPkcs12(Path keystore, char[] password) {
        KeyStore store;
        try (InputStream in = Files.newInputStream(keystore)) {
            store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("--tls-keystore=" + keystore + " (expected: a readable PKCS#12 keystore"
                    + " and its password in MPOOL_TLS_KEYSTORE_PASSWORD: " + e + ")");
        }
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    PrivateKey key = (PrivateKey) store.getKey(alias, password);
                    Certificate[] chain = store.getCertificateChain(alias);
                    if (chain == null || chain.length == 0) {
                        break;
                    }
                    return context(chain, key, password);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("--tls-keystore=" + keystore + " (expected: a key readable with the"
                    + " keystore's password: " + e + ")");
        }
        throw new IllegalArgumentException("--tls-keystore=" + keystore
                + " (expected: a private key entry with its certificate chain)");
    }

    private static List<X509Certificate> readCertificates(Path file) {
        byte[] bytes = readText("--tls-cert", file).getBytes(StandardCharsets.US_ASCII);
        Collection<? extends Certificate> certificates;
        try {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("--tls-cert=" + file + " (expected: PEM certificates: " + e.getMessage()
                    + ")");
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (Certificate certificate : certificates) {
            chain.add((X509Certificate) certificate);
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("--tls-cert=" + file
                    + " (expected: a PEM file with -----BEGIN CERTIFICATE-----)");
        }
        return chain;
    }

    private static String readText(String flag, Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new IllegalArgumentException(flag + "=" + file + " (expected: a readable file: " + e + ")");
        }
    }

    /** Signs with the key and verifies with the certificate: the key is the certificate's. */
    private static void requireMatch(X509Certificate certificate, PrivateKey key, String algorithm, Path certFile,
                                     Path keyFile) {
        byte[] probe = "mpool key check".getBytes(StandardCharsets.US_ASCII);
        PublicKey publicKey = certificate.getPublicKey();
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signed = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            matches = verifier.verify(signed);
        } catch (GeneralSecurityException e) {
            matches = false; // a key of another algorithm than the certificate's
        }
        if (!matches) {
            throw new IllegalArgumentException("--tls-key=" + keyFile + " (expected: the private key of the"
                    + " certificate in --tls-cert=" + certFile + " (" + certificate.getSubjectX500Principal()
                    + "); this key does not match it)");
        }
    }

    private static SSLContext context(Certificate[] chain, PrivateKey key, char[] password) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, password, chain);
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), null, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make an SSLContext of the key and certificate: " + e, e);
        }
    }
}
