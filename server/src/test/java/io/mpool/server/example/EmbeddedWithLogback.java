package io.mpool.server.example;

import io.mpool.server.MpoolServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@link EmbeddedLogbackTest}'s service: the example application started, asked once, stopped,
 * in a JVM whose logging an embedder configured (logback, with jul-to-slf4j's handler).
 */
public final class EmbeddedWithLogback {
    /** Printed (not logged) once the service answered. */
    static final String ANSWERED = "answered: ";

    private EmbeddedWithLogback() {
    }

    public static void main(String[] args) throws IOException {
        try (MpoolServer server = ExampleApplication.start(0, 0, Path.of(args[0]))) {
            URI greet = URI.create("http://127.0.0.1:" + server.port() + "/greet/logback");
            try (InputStream in = greet.toURL().openStream()) {
                System.out.println(ANSWERED + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
    }
}
