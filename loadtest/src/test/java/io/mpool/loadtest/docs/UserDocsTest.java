package io.mpool.loadtest.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * README.md and docs/ are read by people who run or embed the server: they state facts about it,
 * not the history of how the project was organised (tickets, work sessions, who asked for what).
 */
class UserDocsTest {
    /** Words that point at the project's own process rather than at the server. */
    static final Pattern PROCESS_NOTE = Pattern.compile(
            "(?i)\\bissues? #?\\d+|\\bitems? \\d+\\b|\\bthe brief\\b|\\bsessions?[ -]\\d+|\\bthis session\\b"
                    + "|\\bthe lead\\b|(?<![\\w&/])#\\d+\\b");
    /** A Markdown link or image to a file beside the document: {@code [text](path)}, no scheme, no anchor. */
    private static final Pattern LOCAL_LINK = Pattern.compile("\\]\\(([^):#\\s]+)\\)");

    @Test
    void readmeAndDocsSayNothingAboutIssuesBriefsOrSessions() throws IOException {
        List<String> found = new ArrayList<>();
        for (Path doc : userDocs()) {
            List<String> lines = Files.readAllLines(doc);
            for (int i = 0; i < lines.size(); i++) {
                Matcher matcher = PROCESS_NOTE.matcher(lines.get(i));
                if (matcher.find()) {
                    found.add(root().relativize(doc) + ":" + (i + 1) + ": " + matcher.group());
                }
            }
        }
        assertEquals(List.of(), found, "README.md and docs/ speak to users; reword these passages");
    }

    @Test
    void theCheckRecognisesProcessNotesAndLeavesOrdinaryTextAlone() {
        for (String note : List.of("issue 6's harness will redo this", "(issue 11, item 7)", "The brief asked for",
                "## Session 5 notes", "the session-3 figures", "see #12")) {
            assertTrue(PROCESS_NOTE.matcher(note).find(), note);
        }
        for (String text : List.of("fill=\"#2f6fdb\"", "TLS session resumption", "an open issue with the kernel",
                "`&#39;`", "docs/benchmarks.md#targets")) {
            assertFalse(PROCESS_NOTE.matcher(text).find(), text);
        }
    }

    @Test
    void everyLocalLinkInReadmeAndDocsPointsAtAFile() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path doc : userDocs()) {
            Matcher matcher = LOCAL_LINK.matcher(Files.readString(doc));
            while (matcher.find()) {
                if (!Files.exists(doc.getParent().resolve(matcher.group(1)))) {
                    broken.add(root().relativize(doc) + " -> " + matcher.group(1));
                }
            }
        }
        assertEquals(List.of(), broken);
    }

    /**
     * {@code curl http://…/admin/pools/1} on its own always answers 404: no connection of curl's
     * is open by the time it asks. The README shows how to keep one open instead.
     */
    @Test
    void readmeLooksUpAConnectionOnlyWhileOneIsOpen() throws IOException {
        List<String> lines = Files.readAllLines(root().resolve("README.md"));
        for (String line : lines) {
            assertFalse(line.matches(".*curl [^#]*/admin/pools/[0-9]+\\b.*"), "a lookup of a fixed id: " + line);
        }
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("exec 3<>/dev/tcp/")), "the README opens a connection to look up");
    }

    @Test
    void docsKeepOneCurrentBenchmarkReportAndDateTheOlderOnes() throws IOException {
        try (Stream<Path> files = Files.list(root().resolve("docs"))) {
            assertEquals(List.of("benchmarks.md"), files.map(p -> p.getFileName().toString())
                    .filter(name -> name.startsWith("benchmarks") && name.endsWith(".md")).toList());
        }
        try (Stream<Path> files = Files.list(root().resolve("docs/benchmarks/history"))) {
            List<String> undated = files.map(p -> p.getFileName().toString())
                    .filter(name -> !name.matches("\\d{4}-\\d{2}-\\d{2}-.+")).toList();
            assertEquals(List.of(), undated, "docs/benchmarks/history/ names start with the report's date");
        }
    }

    /** README.md and every Markdown file under docs/. */
    private static List<Path> userDocs() throws IOException {
        List<Path> docs = new ArrayList<>();
        docs.add(root().resolve("README.md"));
        try (Stream<Path> files = Files.walk(root().resolve("docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        return docs;
    }

    /** The checkout: the nearest folder upwards from the working directory with README.md and docs/. */
    private static Path root() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !(Files.exists(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("docs")))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no README.md and docs/ above " + System.getProperty("user.dir"));
        }
        return dir;
    }
}
