package io.mpool.loadtest.compare;

import io.mpool.server.admin.JvmStats;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** A server under test, run as its own process on loopback. */
final class ServerProcess implements AutoCloseable {
    final String name;
    final int port;
    /** The admin port for mpool servers, -1 for the others. */
    final int adminPort;
    /** The command line it was started with, for the report. */
    final List<String> command;
    private final Process process;

    private ServerProcess(String name, int port, int adminPort, List<String> command, Process process) {
        this.name = name;
        this.port = port;
        this.adminPort = adminPort;
        this.command = List.copyOf(command);
        this.process = process;
    }

    static ServerProcess start(String name, List<String> command, int port, int adminPort, Path log)
            throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ServerProcess server = new ServerProcess(name, port, adminPort, command, process);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with " + process.exitValue() + ": see " + log);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return server;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        server.close();
        throw new IOException(name + " did not listen on " + port + " within 30 s: see " + log);
    }

    /**
     * CPU time the server has used so far, in clock ticks ({@link ProcessCpu}); under
     * {@code taskset} the pid is the server's own, as taskset execs it.
     */
    long cpuTicks() {
        return ProcessCpu.ticks(process.toHandle());
    }

    /** CPU ticks of the server's JIT compiler threads so far ({@link ProcessCpu#jitTicks}). */
    long jitTicks() {
        return ProcessCpu.jitTicks(process.toHandle());
    }

    /** CPU ticks of the server's live threads whose (15-character) name matches {@code names} ({@link ProcessCpu#threadTicks}). */
    long threadTicks(Pattern names) {
        return ProcessCpu.threadTicks(process.toHandle(), names);
    }

    /** Resident set size of the process, from /proc, or -1. */
    long rssBytes() {
        return JvmStats.rssBytes(Path.of("/proc/" + process.pid() + "/status"));
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws IOException {
        // SIGTERM, so the JVM servers run their graceful stop (Process.destroy() skips the hooks
        // on some JDKs); then force after 15 s.
        try {
            new ProcessBuilder("kill", "-TERM", String.valueOf(process.pid())).start().waitFor();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
