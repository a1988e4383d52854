package io.mpool.loadtest.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the comparison's processes may run: each server under {@code taskset -c <serverCpus>},
 * the load tool under {@code taskset -c <clientCpus>}. Our generator runs inside Compare's own JVM,
 * so {@link #pinThisProcess()} moves every thread of this JVM to the client CPUs (threads started
 * later inherit the mask). With pinning off, commands run as given.
 */
record Pinning(boolean enabled, String serverCpus, String clientCpus) {

    static Pinning off() {
        return new Pinning(false, null, null);
    }

    List<String> server(List<String> command) {
        return prefixed(serverCpus, command);
    }

    List<String> client(List<String> command) {
        return prefixed(clientCpus, command);
    }

    private List<String> prefixed(String cpus, List<String> command) {
        if (!enabled) {
            return command;
        }
        List<String> pinned = new ArrayList<>(List.of("taskset", "-c", cpus));
        pinned.addAll(command);
        return pinned;
    }

    /** {@code taskset -a -c -p <clientCpus> <this pid>}; an IOException says why it failed. */
    void pinThisProcess() throws IOException, InterruptedException {
        if (!enabled) {
            return;
        }
        Process taskset;
        try {
            taskset = new ProcessBuilder("taskset", "-a", "-c", "-p", clientCpus, String.valueOf(ProcessHandle.current().pid()))
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("taskset is not installed (util-linux); run with --no-pin", e);
        }
        String output = new String(taskset.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (taskset.waitFor() != 0) {
            throw new IOException("taskset -a -c -p " + clientCpus + " failed: " + output
                    + " (does this machine have CPUs " + serverCpus + " and " + clientCpus + "? else --no-pin)");
        }
    }

    /** One line for the report. */
    String describe() {
        return enabled
                ? "servers under `taskset -c " + serverCpus + "`, the load tool under `taskset -c " + clientCpus + "` (wrk as a"
                        + " child process; our generator runs inside Compare's JVM, which pins all its threads with"
                        + " `taskset -a -c -p " + clientCpus + "`)"
                : "none (`--no-pin`): servers and load tool share every CPU";
    }
}
