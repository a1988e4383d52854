package io.mpool.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JvmStatsTest {

    @Test
    void rssIsReadFromAProcStatusFileInBytes(@TempDir Path dir) throws IOException {
        Path status = Files.writeString(dir.resolve("status"), "Name:\tjava\nVmPeak:\t  999 kB\nVmRSS:\t   1234 kB\n");
        assertEquals(1234L * 1024, JvmStats.rssBytes(status));
    }

    @Test
    void noRssIsMinusOne(@TempDir Path dir) throws IOException {
        assertEquals(-1, JvmStats.rssBytes(dir.resolve("absent")));
        assertEquals(-1, JvmStats.rssBytes(Files.writeString(dir.resolve("status"), "Name:\tjava\n")));
    }
}
