package io.mpool.loadtest.soak;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * The chaos soak's floods against the server's accept-side limits and its admin listener: more
 * connections than {@code --max-connections}, more silent connections than
 * {@code --max-unfinished-heads}, and half-sent and surplus admin connections. Each connection's
 * outcome is recorded under a key; an outcome not in the allowed set is recorded as
 * {@code WRONG ...}, which fails the soak.
 */
final class Floods {
    /** Floods start after the good load has opened its connections (they must never be refused). */
    static final Duration START_DELAY = Duration.ofSeconds(1);
    /** The admin listener's connection limit (AdminListener.MAX_CONNECTIONS). */
    static final int ADMIN_MAX_CONNECTIONS = 16;
    private static final Duration PAUSE = Duration.ofMillis(500);
    /** Long enough for the soak server's 3 s read timeout to answer a silent connection (checked each second). */
    private static final int ANSWER_TIMEOUT_MILLIS = 10_000;
    private static final String HELLO = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";
    private static final String ADMIN_HALF = "GET /admin/hea";
    private static final String ADMIN_HEALTH = "GET /admin/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";

    private final int port;
    private final int adminPort;
    private final long deadline;
    private final int maxConnections;
    private final int maxUnfinishedHeads;
    private final Map<String, LongAdder> outcomes;

    Floods(int port, int adminPort, long deadline, int maxConnections, int maxUnfinishedHeads,
           Map<String, LongAdder> outcomes) {
        this.port = port;
        this.adminPort = adminPort;
        this.deadline = deadline;
        this.maxConnections = maxConnections;
        this.maxUnfinishedHeads = maxUnfinishedHeads;
        this.outcomes = outcomes;
    }

    /**
     * Alternating rounds of the two accept-side floods ({@link #refusalRound}, {@link #silentRound}),
     * one at a time so that silent connections holding the unfinished-head limit do not keep the
     * refusal flood from reaching the connection limit.
     */
    Void acceptLimitFloods(int refusalsPerRound) {
        pause(START_DELAY);
        for (int round = 0; System.nanoTime() < deadline; round++) {
            if (round % 2 == 0) {
                refusalRound(refusalsPerRound);
            } else {
                silentRound();
            }
            pause(PAUSE);
        }
        return null;
    }

    /**
     * Keep-alive connections that each complete a request, until the limits refuse
     * {@code refusalsPerRound} of them with 503, then all closed.
     */
    private void refusalRound(int refusalsPerRound) {
        List<Socket> held = new ArrayList<>();
        int refused = 0;
        try {
            while (refused < refusalsPerRound && held.size() < 2 * maxConnections && System.nanoTime() < deadline) {
                Socket socket = connect(port);
                String got = firstStatus(socket, HELLO);
                if (got.equals("200")) {
                    held.add(socket);
                    continue;
                }
                close(socket);
                refused++;
                record("flood", got, Set.of(ChaosSoak.AT_CONNECTION_LIMIT, ChaosSoak.AT_HEAD_LIMIT));
            }
        } catch (IOException e) {
            record("flood", "connect failed", Set.of());
        } finally {
            held.forEach(Floods::close);
        }
        outcomes.computeIfAbsent("flood: 200 (held)", k -> new LongAdder()).add(held.size());
    }

    /**
     * Silent connections, more than the unfinished-head limit: the admitted ones are closed by the
     * read timeout (no request, nothing to answer), the rest get 503 at once.
     */
    private void silentRound() {
        List<Socket> silent = new ArrayList<>();
        try {
            for (int i = 0; i < maxUnfinishedHeads + maxUnfinishedHeads / 4; i++) {
                silent.add(connect(port));
            }
        } catch (IOException e) {
            record("silent", "connect failed", Set.of());
        }
        for (Socket socket : silent) {
            record("silent", ChaosSoak.read(stream(socket)), Set.of("closed", ChaosSoak.AT_HEAD_LIMIT,
                    ChaosSoak.AT_CONNECTION_LIMIT));
            close(socket);
        }
    }

    /**
     * Rounds of admin-port abuse: more half-sent admin requests than the admin limit (the held ones
     * are closed by the read timeout, the others get 503), then a burst of complete requests (200 or
     * 503), then a wait until the admin listener answers again.
     */
    Void adminAbuse() {
        pause(START_DELAY);
        while (System.nanoTime() < deadline) {
            List<Socket> halfSent = new ArrayList<>();
            try {
                for (int i = 0; i < ADMIN_MAX_CONNECTIONS + ADMIN_MAX_CONNECTIONS / 2; i++) {
                    Socket socket = connect(adminPort);
                    halfSent.add(socket);
                    write(socket, ADMIN_HALF);
                }
                for (int i = 0; i < 2 * ADMIN_MAX_CONNECTIONS; i++) {
                    try (Socket socket = connect(adminPort)) {
                        write(socket, ADMIN_HEALTH);
                        record("admin burst", ChaosSoak.read(stream(socket)), Set.of("200", "503"));
                    }
                }
            } catch (IOException e) {
                record("admin", "connect failed", Set.of());
            }
            for (Socket socket : halfSent) {
                record("admin half-sent", ChaosSoak.read(stream(socket)), Set.of("closed", "503"));
                close(socket);
            }
            awaitAdmin();
            pause(PAUSE);
        }
        return null;
    }

    /** Until the admin listener serves again (the server has seen the abuse's closes), bounded. */
    private void awaitAdmin() {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String got = "";
        while (System.nanoTime() < until) {
            try (Socket socket = connect(adminPort)) {
                write(socket, ADMIN_HEALTH);
                got = ChaosSoak.read(stream(socket));
                if (got.equals("200")) {
                    return;
                }
            } catch (IOException e) {
                got = "connect failed";
            }
            pause(Duration.ofMillis(50));
        }
        record("admin after abuse", got, Set.of("200"));
    }

    /** Sends {@code request} and reads the status line only (a 200 keeps the connection open). */
    private static String firstStatus(Socket socket, String request) throws IOException {
        write(socket, request);
        byte[] head = socket.getInputStream().readNBytes(12);
        String text = new String(head, StandardCharsets.ISO_8859_1);
        if (text.equals("HTTP/1.1 200")) {
            return "200";
        }
        StringBuilder rest = new StringBuilder(text);
        byte[] buffer = new byte[512];
        try {
            for (int n = socket.getInputStream().read(buffer); n != -1; n = socket.getInputStream().read(buffer)) {
                rest.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException e) {
            // reset after the answer
        }
        return ChaosSoak.classify(rest.toString());
    }

    private void record(String what, String answer, Set<String> allowed) {
        String got = answer == null ? "hung" : answer;
        String key = allowed.contains(got) ? what + ": " + got : "WRONG " + what + " got " + got;
        outcomes.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(ANSWER_TIMEOUT_MILLIS);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        return socket;
    }

    private static void write(Socket socket, String text) {
        try {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            // refused already: what it answered is read next
        }
    }

    private static InputStream stream(Socket socket) {
        try {
            return socket.getInputStream();
        } catch (IOException e) {
            return InputStream.nullInputStream();
        }
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
