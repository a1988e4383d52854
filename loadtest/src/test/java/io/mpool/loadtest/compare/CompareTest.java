package io.mpool.loadtest.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CompareTest {
    /** Each round starts with the next server, so none always runs right after the same one. */
    @Test
    void theServerOrderRotatesEachRound() {
        List<String> servers = List.of("mp", "undertow", "reference");
        assertEquals(List.of("mp", "undertow", "reference"), Compare.rotated(servers, 0));
        assertEquals(List.of("undertow", "reference", "mp"), Compare.rotated(servers, 1));
        assertEquals(List.of("reference", "mp", "undertow"), Compare.rotated(servers, 2));
        assertEquals(servers, Compare.rotated(servers, 3), "back to the start after every server led once");
        assertEquals(List.of(), Compare.rotated(List.of(), 4));
        assertEquals(List.of("mp", "undertow", "reference"), servers, "the list itself is left alone");
    }

    /** A run without --out must not overwrite the committed report. */
    @Test
    void withoutOutTheReportGoesUnderTargetNotOverTheCommittedOne() {
        Compare compare = new Compare();
        new CommandLine(compare).parseArgs("--rounds", "1");
        assertEquals(Path.of("target/benchmarks/benchmarks.md"), compare.out);
        Compare explicit = new Compare();
        new CommandLine(explicit).parseArgs("--out", "docs/benchmarks.md");
        assertEquals(Path.of("docs/benchmarks.md"), explicit.out);
    }

    @Test
    void nginxGetsAWorkerPerIoThreadAndTheStaticDirectory() throws IOException {
        String template = Files.readString(Path.of("nginx/nginx.conf.template"));
        String config = Compare.nginxConfig(template, 45001, 2, Path.of("/tmp/x/static"), null);
        assertTrue(config.contains("worker_processes 2;"), config);
        assertTrue(config.contains("listen 127.0.0.1:45001 "), config);
        assertTrue(config.contains("alias /tmp/x/static/;"), config);
        assertTrue(config.contains("sendfile on;") && config.contains("tcp_nopush on;") && config.contains("etag off;"),
                config);
        assertFalse(config.lines().filter(l -> !l.trim().startsWith("#")).anyMatch(l -> l.contains("open_file_cache")),
                "no open-file cache on either side");
        assertFalse(config.contains("__"), "every placeholder filled in: " + config);
    }

    @Test
    void nginxOverHttpsListensWithSslAndTheRunsCertificate() throws IOException {
        String template = Files.readString(Path.of("nginx/nginx.conf.template"));
        String config = Compare.nginxConfig(template, 45001, 1, Path.of("/tmp/x/static"),
                new Https.Certificate(Path.of("/tmp/x/tls/cert.pem"), Path.of("/tmp/x/tls/key.pem")));
        assertTrue(config.contains("listen 127.0.0.1:45001 ssl backlog=4096;"), config);
        assertTrue(config.contains("ssl_certificate /tmp/x/tls/cert.pem;"), config);
        assertTrue(config.contains("ssl_certificate_key /tmp/x/tls/key.pem;"), config);
        assertTrue(config.contains("ssl_protocols TLSv1.2 TLSv1.3;"), config);
        assertFalse(config.contains("__"), "every placeholder filled in: " + config);
        String plain = Compare.nginxConfig(template, 45001, 1, Path.of("/tmp/x/static"), null);
        assertTrue(plain.contains("listen 127.0.0.1:45001 backlog=4096;"), plain);
        assertFalse(plain.contains("ssl_"), "plain HTTP without a certificate: " + plain);
    }

    @Test
    void overHttpsNoStaticFileWorkloadRunsAndTheDefaultsAreTheTlsOnes() {
        Compare compare = new Compare();
        new CommandLine(compare).parseArgs("--tls", "--workloads", "static-1k-64", "--root", "/nonexistent");
        assertEquals("--workloads=static-1k-64 (expected: with --tls, no static-file workload)",
                assertThrows(IllegalArgumentException.class, compare::call).getMessage());
        assertEquals(List.of("hello-64", "hello-1000", "echo-64k", "churn-16"),
                Https.DEFAULT_WORKLOADS.stream().map(w -> Workload.parse(w).id()).toList());
    }

    @Test
    void ioThreadsOutsideTheServersBoundsAreRefusedBeforeAnythingStarts() {
        Compare compare = new Compare();
        new CommandLine(compare).parseArgs("--io-threads", "0", "--root", "/nonexistent");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, compare::call);
        assertEquals("--io-threads=0 (expected: distinct counts of 1..256)", e.getMessage());
        Compare twice = new Compare();
        new CommandLine(twice).parseArgs("--io-threads", "2,2", "--root", "/nonexistent");
        assertEquals("--io-threads=2,2 (expected: distinct counts of 1..256)",
                assertThrows(IllegalArgumentException.class, twice::call).getMessage());
    }

    /** --io-threads 1,2 --server-cpus 0,1: one IO thread on CPU 0, two on CPUs 0 and 1. */
    @Test
    void aServerWithNIoThreadsGetsTheFirstNServerCpus() {
        assertEquals("0", Compare.firstCpus("0,1", 1));
        assertEquals("0,1", Compare.firstCpus("0,1", 2));
        assertEquals("2,3", Compare.firstCpus("2-5", 2));
        assertEquals("0", Compare.firstCpus("0", 2), "no more CPUs than given");
        assertEquals("mp", IoThreadsSection.name("mp", 1, List.of(1, 2)));
        assertEquals("nginx@2", IoThreadsSection.name("nginx", 2, List.of(1, 2)));
    }

    @Test
    void jvmOptionsAndIncludesRepeat() {
        Compare compare = new Compare();
        new CommandLine(compare).parseArgs("--jvm-option=-XX:+UseSerialGC", "--jvm-option=-Xss512k",
                "--include", "a.md", "--include", "b.md");
        assertEquals(List.of("-XX:+UseSerialGC", "-Xss512k"), compare.jvmOptions);
        assertEquals(List.of(Path.of("a.md"), Path.of("b.md")), compare.includes);
    }
}
