package io.mpool.loadtest.compare;

import io.mpool.loadtest.generator.AdminProbe;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A static-file run measured in a window in the middle of wrk's run: the server's CPU over the
 * window, and the responses it sent in it counted by the bytes its peers acknowledged on its
 * sockets ({@code ss -ti}'s {@code bytes_acked}) over the bytes of one answer.
 *
 * <p>Why: counted from the whole run by the bytes wrk read, every answer still in flight when wrk
 * stops is missing from the count while the server paid for sending it. A 1 MiB answer goes into
 * the socket whole ({@code sendfile} of a megabyte to a loopback peer) and a thousand connections
 * each have one under way, so up to a thousand megabytes the server sent are in socket buffers
 * at the end, read by nobody; in a 2 s run of a few thousand answers that is a tenth or more of
 * them, and on a loaded host, where wrk reads slower, most (one run here: the server started 1,000
 * answers, wrk read 537 MB). The server's CPU per response came out too high by that share, which
 * differs between servers and rounds with how fast wrk read. In a window in the middle every
 * connection is open at both ends and under way before and after, so what is in flight at its start
 * and at its end are alike and cancel; the first second (1,000 connections opening, their windows
 * growing) is outside it too.
 */
final class MidRunWindow {
    /** wrk runs this long before the window (its connections open, their first answers under way) and after it. */
    static final int MARGIN_SECONDS = 1;
    private static final Pattern ACKED = Pattern.compile("bytes_acked:(\\d+)");

    private MidRunWindow() {
    }

    /** Whether {@code ss} (iproute2) is here to read the sockets' acknowledged bytes. */
    static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/ss")) || Files.isExecutable(Path.of("/bin/ss"));
    }

    /** What the window reads at either end. */
    private record Sample(long cpuTicks, long jitTicks, CpuSet.Times cpus, Map<String, Long> acked) {
        static Sample take(ServerProcess server, CpuSet cpuSet) throws IOException, InterruptedException {
            Map<String, Long> acked = ackedBytes(server.port);
            return new Sample(server.cpuTicks(), server.jitTicks(), cpuSet == null ? null : cpuSet.times(), acked);
        }
    }

    /**
     * One measured run of {@code workload} (a static file of {@code answerBytes} per answer): wrk for
     * {@code seconds} plus a margin either side, the figures from the window between the margins.
     */
    static Measurement measure(Workload workload, ServerProcess server, int seconds, int round, int answerBytes,
                               Path scripts, Pinning pinning, CpuSet cpuSet) throws IOException, InterruptedException {
        AdminProbe probe = server.adminPort > 0 ? new AdminProbe(URI.create("http://127.0.0.1:" + server.adminPort), null) : null;
        if (probe != null) {
            probe.before();
        }
        Wrk.Running wrk = Wrk.start(workload, "http://127.0.0.1:" + server.port, seconds + 2 * MARGIN_SECONDS,
                scripts, pinning);
        Thread.sleep(MARGIN_SECONDS * 1000L);
        Sample before = Sample.take(server, cpuSet);
        Thread.sleep(seconds * 1000L);
        Sample after = Sample.take(server, cpuSet);
        Wrk.Result result = wrk.finish();
        AdminProbe.Report admin = probe == null ? null : probe.after();
        long ticks = before.cpuTicks < 0 || after.cpuTicks < 0 ? -1 : after.cpuTicks - before.cpuTicks;
        long jit = before.jitTicks < 0 || after.jitTicks < 0 ? -1 : after.jitTicks - before.jitTicks;
        CpuSet.Times window = before.cpus == null || after.cpus == null ? null : after.cpus.minus(before.cpus);
        long responses = StaticFiles.answers(ackedGrowth(before.acked, after.acked), answerBytes);
        return new Measurement(server.name, "wrk", round, responses, responses / (double) seconds, result.p50Micros(),
                result.p99Micros(), result.errors(), ticks, Measurement.cpuMicrosPerRequest(ticks, responses),
                Measurement.jitPercent(jit, ticks), Measurement.othersPercent(window, ticks),
                admin == null ? -1 : admin.heapBytesPerRequest(), admin == null ? -1 : admin.gcCount(), server.rssBytes(),
                result.command() + " (server CPU and responses by bytes acked: " + seconds + " s from its second "
                        + MARGIN_SECONDS + ")", null);
    }

    /** Bytes acknowledged so far on each established socket of local port {@code port}, by peer address. */
    static Map<String, Long> ackedBytes(int port) throws IOException, InterruptedException {
        Process ss = new ProcessBuilder(List.of("ss", "-tinH", "state", "established", "( sport = :" + port + " )"))
                .redirectErrorStream(true).start();
        String output = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (ss.waitFor() != 0) {
            throw new IOException("ss failed: " + output);
        }
        return parseAcked(output);
    }

    /**
     * {@code ss -tinH}'s lines: a socket's line (state omitted: {@code Recv-Q Send-Q Local Peer}),
     * then its indented details with {@code bytes_acked:N} (absent before anything was acked).
     */
    static Map<String, Long> parseAcked(String output) {
        Map<String, Long> acked = new HashMap<>();
        String peer = null;
        for (String line : output.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (!Character.isWhitespace(line.charAt(0))) {
                String[] fields = line.trim().split("\\s+");
                peer = fields.length >= 4 ? fields[3] : null;
                continue;
            }
            Matcher matcher = ACKED.matcher(line);
            if (peer != null && matcher.find()) {
                acked.put(peer, Long.parseLong(matcher.group(1)));
            }
        }
        return acked;
    }

    /** Bytes acknowledged between the two readings on the sockets open at both: a socket opened or closed between is left out. */
    static long ackedGrowth(Map<String, Long> before, Map<String, Long> after) {
        long growth = 0;
        for (Map.Entry<String, Long> socket : after.entrySet()) {
            Long earlier = before.get(socket.getKey());
            if (earlier != null && socket.getValue() >= earlier) {
                growth += socket.getValue() - earlier;
            }
        }
        return growth;
    }
}
