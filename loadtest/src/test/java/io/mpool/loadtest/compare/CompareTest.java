package io.mpool.loadtest.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
