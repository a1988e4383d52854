package io.mpool.loadtest.compare;

import java.util.List;

/**
 * One workload of the comparison, for both load tools.
 *
 * @param mix        our generator's --mix
 * @param wrkScript  loadtest/wrk script, or null for a plain GET
 * @param wrkEnv     environment for the script (BODY_SIZE, DEPTH)
 */
record Workload(String name, String path, String mix, int connections, int pipeline, int bodySize,
                boolean keepAlive, String wrkScript, List<String> wrkEnv) {

    static final List<Workload> ALL = List.of(
            new Workload("GET /hello, 64 connections", "/hello", "hello", 64, 1, 0, true, null, List.of()),
            new Workload("GET /hello, 1000 connections", "/hello", "hello", 1000, 1, 0, true, null, List.of()),
            new Workload("POST /echo 1 KB, 64 connections", "/echo", "echo", 64, 1, 1024, true, "post.lua",
                    List.of("BODY_SIZE=1024")),
            new Workload("POST /echo 64 KB, 64 connections", "/echo", "echo", 64, 1, 65536, true, "post.lua",
                    List.of("BODY_SIZE=65536")),
            new Workload("GET /hello pipelined x16, 64 connections", "/hello", "hello", 64, 16, 0, true, "pipeline.lua",
                    List.of("DEPTH=16")),
            new Workload("GET /hello, new connection per request, 16 at once", "/hello", "hello", 16, 1, 0, false, null,
                    List.of()));
}
