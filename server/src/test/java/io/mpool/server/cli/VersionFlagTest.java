package io.mpool.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code -V} prints the version the build was made as, the root pom's, snapshot suffix and all. */
class VersionFlagTest {
    @Test
    void versionFlagPrintsThePomsVersion() throws IOException {
        StringWriter out = new StringWriter();
        CommandLine commandLine = Main.commandLine(new Main());
        commandLine.setOut(new PrintWriter(out));
        assertEquals(0, commandLine.execute("-V"));
        assertEquals("mpool " + rootPomVersion(), out.toString().strip());
    }

    private static String rootPomVersion() throws IOException {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        Pattern own = Pattern.compile("<artifactId>mpool-parent</artifactId>\\s*<version>([^<]+)</version>");
        for (; dir != null; dir = dir.getParent()) {
            Path pom = dir.resolve("pom.xml");
            if (Files.exists(pom)) {
                Matcher matcher = own.matcher(Files.readString(pom));
                if (matcher.find()) {
                    return matcher.group(1).strip();
                }
            }
        }
        throw new IllegalStateException("no pom.xml of mpool-parent above " + System.getProperty("user.dir"));
    }
}
