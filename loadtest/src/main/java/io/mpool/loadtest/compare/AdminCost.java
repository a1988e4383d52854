package io.mpool.loadtest.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mpool.loadtest.generator.LoadResult;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What admin scrapes cost the main port: an mpool server (its own process) holding many idle
 * keep-alive connections; {@code GET /hello} latency from a few paced probe connections, first
 * alone, then while clients loop on {@code /admin/pools} and on {@code /metrics}, alternating
 * (alone, with, alone, with, ...); prints p50 and p99 of each and the ratio of the p99s.
 * {@code java -cp loadtest/target/mpool-loadtest.jar io.mpool.loadtest.compare.AdminCost --connections 5000}
 */
@Command(name = "admin-cost", mixinStandardHelpOptions = true, sortOptions = false,
        description = "GET /hello latency on the main port alone and while clients loop on the admin pages.")
public final class AdminCost implements Callable<Integer> {
    /** The p99 with admin load should stay within this factor of the p99 alone. */
    static final double TARGET_RATIO = 2.0;
    private static final String HELLO = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";
    /** Latencies up to an hour, in microseconds, 3 significant digits. */
    private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);
    /** The server's --idle-timeout is the run's length and this much more (setup, the last answers). */
    private static final long IDLE_TIMEOUT_MARGIN_SECONDS = 300;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--server-jar", defaultValue = "server/target/mpool-server.jar", description = "Default: ${DEFAULT-VALUE}")
    Path serverJar;

    @Option(names = "--connections", defaultValue = "5000", description = "Idle keep-alive connections held open (each served one /hello first). Default: ${DEFAULT-VALUE}")
    int connections;

    @Option(names = "--pools-clients", defaultValue = "25", description = "Clients looping on /admin/pools. Default: ${DEFAULT-VALUE}")
    int poolsClients;

    @Option(names = "--metrics-clients", defaultValue = "25", description = "Clients looping on /metrics. Default: ${DEFAULT-VALUE}")
    int metricsClients;

    @Option(names = "--probes", defaultValue = "4", description = "Connections measuring /hello. Default: ${DEFAULT-VALUE}")
    int probes;

    @Option(names = "--probe-rate", defaultValue = "200", description = "/hello requests a second on each probe connection. Default: ${DEFAULT-VALUE}")
    int probeRate;

    @Option(names = "--phase", defaultValue = "10", description = "Seconds of each phase. Default: ${DEFAULT-VALUE}")
    int phaseSeconds;

    @Option(names = "--rounds", defaultValue = "2", description = "Rounds of (alone, with admin load). Default: ${DEFAULT-VALUE}")
    int rounds;

    @Option(names = "--warmup-rounds", defaultValue = "1", description = "Rounds run first and left out of the figures"
            + " (the admin pages' first builds compile their code). Default: ${DEFAULT-VALUE}")
    int warmupRounds;

    @Option(names = "--port", defaultValue = "0", description = "Main port (0: a free one). Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--admin-port", defaultValue = "0", description = "Admin port (0: a free one). Default: ${DEFAULT-VALUE}")
    int adminPort;

    public static void main(String[] args) {
        System.exit(new CommandLine(new AdminCost()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        String invalid = invalidOption();
        if (invalid != null) {
            System.err.println("admin-cost: " + invalid);
            return 2;
        }
        if (!Files.isRegularFile(serverJar)) {
            System.err.println("admin-cost: --server-jar=" + serverJar + " is missing; build first: mvn -B -q package -DskipTests");
            return 2;
        }
        int main = port == 0 ? ServerProcess.freePort() : port;
        int admin = adminPort == 0 ? ServerProcess.freePort() : adminPort;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The idle connections must outlive the run: the server's default --idle-timeout (60 s)
        // would close them a minute in, and the later rounds would measure an empty server.
        long idleTimeoutSeconds = IDLE_TIMEOUT_MARGIN_SECONDS + 2L * (warmupRounds + rounds) * phaseSeconds;
        List<String> command = List.of(java, "-jar", serverJar.toString(), "--host", "127.0.0.1", "--port", String.valueOf(main),
                "--admin-port", String.valueOf(admin), "--idle-timeout", idleTimeoutSeconds + "s");
        Path log = Files.createTempFile("admin-cost-server", ".log");
        List<Client> idle = new ArrayList<>();
        try (ServerProcess server = ServerProcess.start("mp", command, main, admin, log)) {
            for (int i = 0; i < connections; i++) {
                Client client = connect(main);
                idle.add(client);
                exchange(client, HELLO);
            }
            System.out.printf(Locale.ROOT, "admin cost: mp with %d idle keep-alive connections; /hello from %d connections"
                    + " at %d/s each; %d round(s) of %d s alone and %d s with %d /admin/pools and %d /metrics clients%n",
                    connections, probes, probeRate, rounds, phaseSeconds, phaseSeconds, poolsClients, metricsClients);
            Histogram alone = new Histogram(HIGHEST_MICROS, 3);
            Histogram withAdmin = new Histogram(HIGHEST_MICROS, 3);
            LongAdder poolsAnswers = new LongAdder();
            LongAdder metricsAnswers = new LongAdder();
            ServerCpu aloneCpu = ServerCpu.NONE;
            ServerCpu withCpu = ServerCpu.NONE;
            for (int round = 1; round <= warmupRounds; round++) {
                Histogram a = probe(main, null);
                Histogram b = probe(main, () -> scrapers(admin, new LongAdder(), new LongAdder()));
                System.out.printf(Locale.ROOT, "  warm-up round %d (left out): alone p99 %s, with admin load p99 %s%n", round,
                        LoadResult.ms(a.getValueAtPercentile(99)), LoadResult.ms(b.getValueAtPercentile(99)));
            }
            for (int round = 1; round <= rounds; round++) {
                ServerCpu start = ServerCpu.of(server);
                Histogram a = probe(main, null);
                ServerCpu middle = ServerCpu.of(server);
                Histogram b = probe(main, () -> scrapers(admin, poolsAnswers, metricsAnswers));
                ServerCpu end = ServerCpu.of(server);
                System.out.printf(Locale.ROOT, "  round %d: alone p99 %s, with admin load p99 %s; server CPU alone %s,"
                        + " with %s%n", round, LoadResult.ms(a.getValueAtPercentile(99)),
                        LoadResult.ms(b.getValueAtPercentile(99)), middle.minus(start), end.minus(middle));
                aloneCpu = aloneCpu.plus(middle.minus(start));
                withCpu = withCpu.plus(end.minus(middle));
                alone.add(a);
                withAdmin.add(b);
            }
            double ratio = (double) withAdmin.getValueAtPercentile(99) / Math.max(1, alone.getValueAtPercentile(99));
            System.out.printf(Locale.ROOT, "  alone            p50 %s  p99 %s  (%d requests)%n", LoadResult.ms(alone.getValueAtPercentile(50)),
                    LoadResult.ms(alone.getValueAtPercentile(99)), alone.getTotalCount());
            System.out.printf(Locale.ROOT, "  with admin load  p50 %s  p99 %s  (%d requests; admin answers: %d /admin/pools, %d /metrics)%n",
                    LoadResult.ms(withAdmin.getValueAtPercentile(50)), LoadResult.ms(withAdmin.getValueAtPercentile(99)),
                    withAdmin.getTotalCount(), poolsAnswers.sum(), metricsAnswers.sum());
            System.out.printf(Locale.ROOT, "  server CPU, all rounds: alone %s; with admin load %s%n", aloneCpu, withCpu);
            System.out.printf(Locale.ROOT, "  p99 with / alone %.2f (target: at most %.0f)%n", ratio, TARGET_RATIO);
            System.out.println("  server: " + String.join(" ", command) + " (its log: " + log + ")");
            long held = liveConnections(admin);
            System.out.printf(Locale.ROOT, "  connections the server held at the end: %d (of %d idle + %d probes)%n", held,
                    connections, probes);
            if (held < connections) {
                System.out.println("  VOID: idle connections were closed during the run; the later rounds measured fewer");
                return 1;
            }
            return 0;
        } finally {
            for (Client client : idle) {
                client.close();
            }
        }
    }

    private String invalidOption() {
        if (connections < 0) {
            return "--connections=" + connections + " (expected: 0 or more)";
        }
        if (poolsClients < 0 || metricsClients < 0) {
            return "--pools-clients=" + poolsClients + " --metrics-clients=" + metricsClients + " (expected: 0 or more each)";
        }
        if (probes < 1 || probeRate < 1) {
            return "--probes=" + probes + " --probe-rate=" + probeRate + " (expected: 1 or more each)";
        }
        if (phaseSeconds < 1 || phaseSeconds > 3600 || rounds < 1 || rounds > 100 || warmupRounds < 0 || warmupRounds > 100) {
            return "--phase=" + phaseSeconds + " --rounds=" + rounds + " --warmup-rounds=" + warmupRounds
                    + " (expected: 1..3600 seconds, 1..100 rounds, 0..100 warm-up rounds)";
        }
        return null;
    }

    /**
     * CPU seconds the server used, in all and by its main IO threads, its admin threads and the
     * garbage collector's threads (by thread name; threads alive when read). CPU time used does
     * not depend on what else runs on the machine the way a latency does: it is the cost.
     */
    private record ServerCpu(double total, double mainIo, double admin, double gc) {
        static final ServerCpu NONE = new ServerCpu(0, 0, 0, 0);
        private static final Pattern MAIN_IO = Pattern.compile("mpool I/O-.*");
        private static final Pattern ADMIN = Pattern.compile("mpool-admin.*");
        private static final Pattern GC = Pattern.compile("GC Thread.*|G1 .*");

        static ServerCpu of(ServerProcess server) {
            return new ServerCpu(seconds(server.cpuTicks()), seconds(server.threadTicks(MAIN_IO)),
                    seconds(server.threadTicks(ADMIN)), seconds(server.threadTicks(GC)));
        }

        private static double seconds(long ticks) {
            return (double) ticks / ProcessCpu.TICKS_PER_SECOND;
        }

        ServerCpu minus(ServerCpu earlier) {
            return new ServerCpu(total - earlier.total, mainIo - earlier.mainIo, admin - earlier.admin, gc - earlier.gc);
        }

        ServerCpu plus(ServerCpu other) {
            return new ServerCpu(total + other.total, mainIo + other.mainIo, admin + other.admin, gc + other.gc);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.2f s (main IO %.2f, admin %.2f, GC %.2f)", total, mainIo, admin, gc);
        }
    }

    /** Something running beside a phase; closed at its end. */
    private interface Background extends AutoCloseable {
        @Override
        void close() throws InterruptedException;
    }

    private interface BackgroundStart {
        Background start();
    }

    /**
     * One phase: each probe connection sends {@code /hello} at its pace; a latency runs from when
     * the request was due, so a stalled server is not hidden by the probe waiting (coordinated
     * omission).
     */
    private Histogram probe(int main, BackgroundStart background) throws Exception {
        Histogram all = new Histogram(HIGHEST_MICROS, 3);
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / probeRate;
        List<Thread> threads = new ArrayList<>();
        List<Histogram> each = new ArrayList<>();
        try (Background running = background == null ? () -> { } : background.start()) {
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(phaseSeconds);
            for (int p = 0; p < probes; p++) {
                Histogram histogram = new Histogram(HIGHEST_MICROS, 3);
                each.add(histogram);
                Client client = connect(main);
                Thread thread = new Thread(() -> {
                    try (client) {
                        for (long due = start; due < end; due += intervalNanos) {
                            long wait = due - System.nanoTime();
                            if (wait > 0) {
                                TimeUnit.NANOSECONDS.sleep(wait);
                            }
                            exchange(client, HELLO);
                            histogram.recordValue(Math.min(HIGHEST_MICROS, (System.nanoTime() - due) / 1_000));
                        }
                    } catch (IOException | InterruptedException e) {
                        System.err.println("probe: " + e);
                    }
                }, "admin-cost probe " + p);
                threads.add(thread);
                thread.start();
            }
            for (Thread thread : threads) {
                thread.join();
            }
        }
        each.forEach(all::add);
        return all;
    }

    /** Clients looping on the admin pages until closed. */
    private Background scrapers(int admin, LongAdder poolsAnswers, LongAdder metricsAnswers) {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        // alternately, so both kinds hold some of the admin listener's 16 connections
        List<Boolean> kinds = new ArrayList<>();
        for (int i = 0; i < Math.max(poolsClients, metricsClients); i++) {
            if (i < poolsClients) {
                kinds.add(true);
            }
            if (i < metricsClients) {
                kinds.add(false);
            }
        }
        for (int i = 0; i < kinds.size(); i++) {
            boolean pools = kinds.get(i);
            String request = (pools ? "GET /admin/pools" : "GET /metrics") + " HTTP/1.1\r\nHost: t\r\n\r\n";
            LongAdder answers = pools ? poolsAnswers : metricsAnswers;
            Thread thread = new Thread(() -> {
                while (!stop.get()) {
                    try (Client client = connect(admin)) {
                        while (!stop.get()) {
                            exchange(client, request);
                            answers.increment();
                        }
                    } catch (IOException e) {
                        // the admin listener's connection limit (16) refused it: again after its Retry-After
                        try {
                            TimeUnit.SECONDS.sleep(1);
                        } catch (InterruptedException stopped) {
                            return;
                        }
                    }
                }
            }, "admin-cost scraper " + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        return () -> {
            stop.set(true);
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            }
        };
    }

    /** Live connections on the main listener, from {@code /admin/pools?limit=1} ({@code page.total}), built fresh. */
    private static long liveConnections(int admin) throws IOException {
        try (Client client = connect(admin)) {
            client.out().write(("GET /admin/pools?limit=1 HTTP/1.1\r\nHost: t\r\nCache-Control: no-cache\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            client.out().flush();
            String answer = new String(client.in().readAllBytes(), StandardCharsets.UTF_8);
            int body = answer.indexOf("\r\n\r\n");
            if (!answer.startsWith("HTTP/1.1 200") || body < 0) {
                throw new IOException("/admin/pools?limit=1 answered " + answer.lines().findFirst().orElse("nothing"));
            }
            return JSON.readTree(answer.substring(body + 4)).path("page").path("total").asLong(-1);
        }
    }

    private static Client connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(60_000);
        return new Client(socket, socket.getOutputStream(), new BufferedInputStream(socket.getInputStream()));
    }

    /** One keep-alive client connection. */
    private record Client(Socket socket, OutputStream out, InputStream in) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Sends a request and reads its answer whole (by Content-Length or chunks); a status other than 200 is an error. */
    private static void exchange(Client client, String request) throws IOException {
        client.out().write(request.getBytes(StandardCharsets.US_ASCII));
        client.out().flush();
        InputStream in = client.in();
        String status = line(in);
        if (status == null || !status.startsWith("HTTP/1.1 200")) {
            throw new IOException("answer " + status);
        }
        long length = -1;
        boolean chunked = false;
        for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
            String lower = header.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring("content-length:".length()).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            for (long size = Long.parseLong(line(in).split(";")[0].trim(), 16); size > 0;
                    size = Long.parseLong(line(in).split(";")[0].trim(), 16)) {
                in.skipNBytes(size);
                line(in);
            }
            line(in); // the empty line after the last chunk (no trailers)
        } else if (length > 0) {
            in.skipNBytes(length);
        }
    }

    /** One CRLF-terminated line without its ending, or null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                String text = bytes.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            bytes.write(b);
        }
        return null;
    }
}
