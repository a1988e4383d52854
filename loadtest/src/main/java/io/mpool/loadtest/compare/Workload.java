package io.mpool.loadtest.compare;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import picocli.CommandLine;

/**
 * One workload of the comparison, for both load tools, with the targets its figures are judged
 * by. Chosen on the command line by {@link #number} or {@link #id}.
 *
 * @param number     1-based position in {@link #ALL}, for {@code --workloads 1,3}
 * @param id         short name, for {@code --workloads hello-64,echo-1k}
 * @param mix        our generator's --mix; null: a plain GET of {@code path}
 * @param wrkScript  loadtest/wrk script, or null for a plain GET
 * @param wrkEnv     environment for the script (BODY_SIZE, DEPTH)
 */
record Workload(int number, String id, String name, String path, String mix, int connections, int pipeline,
                int bodySize, boolean keepAlive, String wrkScript, List<String> wrkEnv, Targets targets) {

    /**
     * What mp must reach on this workload; {@link #NONE} where a figure has no target. CPU and heap
     * are "at most this many times" the other server's, rates "at least".
     *
     * @param cpuVsUndertow   mp CPU µs/request ≤ this × {@code --pool undertow}'s
     * @param cpuVsReference  mp CPU µs/request ≤ this × stock Undertow's
     * @param heapVsUndertow  heap B/request ≤ this × {@code --pool undertow}'s (on /hello;
     *                        1/20 on 64 KB echo, where the body must stay off the heap)
     * @param rateVsReference mp req/s ≥ this × stock Undertow's (64 KB echo)
     * @param rateVsNginx     mp req/s ≥ this × nginx's (64 KB echo)
     * @param heapVsReference heap B/request ≤ this × stock Undertow's (whole bodies)
     * @param cpuVsNginx      mp CPU µs/request ≤ this × nginx's (where nginx does the same work)
     */
    record Targets(double cpuVsUndertow, double cpuVsReference, double heapVsUndertow, double rateVsReference,
                   double rateVsNginx, double heapVsReference, double cpuVsNginx) {
        static final double NONE = Double.NaN;

        /** mp's CPU per request at or below both Undertows'. */
        static final Targets CPU_PARITY = new Targets(1.00, 1.00, NONE, NONE, NONE, NONE, NONE);

        Targets withHeapVsUndertow(double ratio) {
            return new Targets(cpuVsUndertow, cpuVsReference, ratio, rateVsReference, rateVsNginx, heapVsReference,
                    cpuVsNginx);
        }

        Targets withCpuVsNginx(double ratio) {
            return new Targets(cpuVsUndertow, cpuVsReference, heapVsUndertow, rateVsReference, rateVsNginx,
                    heapVsReference, ratio);
        }
    }

    /**
     * nginx answers /hello and a 1 KB body with per-connection memory too: mp within 1.3× of its
     * CPU per request there, within 1.5× on connection churn, where a JVM pays more per connection.
     */
    private static final double KEEP_ALIVE_CPU_VS_NGINX = 1.3;
    private static final double CHURN_CPU_VS_NGINX = 1.5;
    /** 64 KB echo at least 1.5× stock Undertow's rate, at least nginx's, heap ≤ 1/20. */
    private static final Targets LARGE_BODY = new Targets(1.00, 1.00, 1.0 / 20, 1.5, 1.00, Targets.NONE,
            Targets.NONE);
    /**
     * A whole 64 KB body read with RequestBody against stock Undertow's receiveFullBytes
     * doing the same work: at most a third of its CPU and a twentieth of its heap per request (and
     * the parity with the same handlers on {@code --pool undertow}).
     */
    private static final Targets WHOLE_BODY = new Targets(1.00, 1.0 / 3, Targets.NONE, Targets.NONE,
            Targets.NONE, 1.0 / 20, Targets.NONE);

    /**
     * Static files: mp's CPU per request at or below stock Undertow's {@code ResourceHandler} on
     * every size; against {@code --pool undertow} and nginx the ratio is reported, not judged.
     */
    private static final Targets STATIC_FILE = new Targets(Targets.NONE, 1.00, Targets.NONE, Targets.NONE,
            Targets.NONE, Targets.NONE, Targets.NONE);

    static final List<Workload> ALL = List.of(
            new Workload(1, "hello-64", "GET /hello, 64 connections", "/hello", "hello", 64, 1, 0, true, null, List.of(),
                    Targets.CPU_PARITY.withHeapVsUndertow(1.00).withCpuVsNginx(KEEP_ALIVE_CPU_VS_NGINX)),
            new Workload(2, "hello-1000", "GET /hello, 1000 connections", "/hello", "hello", 1000, 1, 0, true, null,
                    List.of(), Targets.CPU_PARITY.withHeapVsUndertow(1.00).withCpuVsNginx(KEEP_ALIVE_CPU_VS_NGINX)),
            new Workload(3, "echo-1k", "POST /echo 1 KB, 64 connections", "/echo", "echo", 64, 1, 1024, true, "post.lua",
                    List.of("BODY_SIZE=1024"), Targets.CPU_PARITY.withCpuVsNginx(KEEP_ALIVE_CPU_VS_NGINX)),
            new Workload(4, "echo-64k", "POST /echo 64 KB, 64 connections", "/echo", "echo", 64, 1, 65536, true,
                    "post.lua", List.of("BODY_SIZE=65536"), LARGE_BODY),
            new Workload(5, "pipelined-16", "GET /hello pipelined x16, 64 connections", "/hello", "hello", 64, 16, 0,
                    true, "pipeline.lua", List.of("DEPTH=16"), Targets.CPU_PARITY),
            new Workload(6, "churn-16", "GET /hello, new connection per request (Connection: close), 16 at once",
                    "/hello", "hello", 16, 1, 0, false, null, List.of(),
                    Targets.CPU_PARITY.withCpuVsNginx(CHURN_CPU_VS_NGINX)),
            new Workload(7, "echo-full-64k", "POST /echo?mode=full 64 KB (whole body, then answer), 64 connections",
                    "/echo?mode=full", "echo-full", 64, 1, 65536, true, "post.lua", List.of("BODY_SIZE=65536"),
                    WHOLE_BODY),
            new Workload(8, "json-64k", "POST /json 64 KB (whole body, streaming parse), 64 connections", "/json",
                    "json", 64, 1, 65536, true, "json.lua", List.of("BODY_SIZE=65536"), WHOLE_BODY),
            staticFile(9, "1023", "1,023 B", 64),
            staticFile(10, "1k", "1 KiB", 64),
            staticFile(11, "64k", "64 KiB", 64),
            staticFile(12, "1m", "1 MiB", 64),
            staticFile(13, "1023", "1,023 B", 1000),
            staticFile(14, "1k", "1 KiB", 1000),
            staticFile(15, "64k", "64 KiB", 1000),
            staticFile(16, "1m", "1 MiB", 1000));

    Workload {
        wrkEnv = List.copyOf(wrkEnv);
    }

    /**
     * {@code GET /static/<size>.bin} ({@link StaticFiles}), keep-alive: mpool's {@code --static-dir}
     * against stock Undertow's {@code ResourceHandler} and nginx's sendfile. Its mix is null: our
     * generator GETs the path and checks the status (the body was checked once, before timing).
     */
    private static Workload staticFile(int number, String size, String label, int connections) {
        return new Workload(number, "static-" + size + "-" + connections, "GET a " + label + " static file, "
                + connections + " connections", StaticFiles.PREFIX + size + ".bin", null, connections, 1, 0, true,
                null, List.of(), STATIC_FILE);
    }

    /** The file a static-file workload fetches ({@code 1k.bin}), or null for the others. */
    String staticFile() {
        return path.startsWith(StaticFiles.PREFIX) ? path.substring(StaticFiles.PREFIX.length()) : null;
    }

    /** A workload by number ({@code 4}) or id ({@code echo-64k}). */
    static Workload parse(String value) {
        for (Workload workload : ALL) {
            if (workload.id.equals(value) || String.valueOf(workload.number).equals(value)) {
                return workload;
            }
        }
        throw new IllegalArgumentException("--workloads=" + value + " (expected: 1.." + ALL.size() + " or one of "
                + String.join(", ", ALL.stream().map(Workload::id).toList()) + ")");
    }

    /** For picocli: {@code --workloads} values. */
    static final class Converter implements CommandLine.ITypeConverter<Workload> {
        @Override
        public Workload convert(String value) {
            return parse(value);
        }
    }

    /** For picocli's {@code ${COMPLETION-CANDIDATES}} in {@code --help}: "1 hello-64", ... */
    static final class Candidates implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            List<String> names = new ArrayList<>();
            ALL.forEach(w -> names.add(w.number + " " + w.id));
            return names.iterator();
        }
    }
}
