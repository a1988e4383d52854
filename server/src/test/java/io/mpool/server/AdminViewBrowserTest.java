package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.mpool.testing.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The live view in a real browser: headless Chromium opens {@code /admin/#token=...} while a few
 * connections are open, and the DOM it renders must hold one row per live connection with its
 * node bars, the selected connection's resets on the timeline, and no JavaScript error.
 */
class AdminViewBrowserTest {
    private static final String TOKEN = "view-test-token-5b1f";
    private static final Path OUTPUT = Path.of("target", "admin-view");
    private static final Pattern ROW = Pattern.compile("<tr class=\"conn[^\"]*\" data-id=\"(\\d+)\">");

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withAdmin("127.0.0.1", TOKEN));

    @Test
    void theViewDrawsEveryLiveConnectionItsNodesAndItsResets() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.find(OUTPUT);
        List<RawHttp> connections = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RawHttp http = fixture.connect();
                connections.add(http);
                // A first request, then a look at the connection alone: its reset history is kept from then on.
                assertEquals(200, http.exchange(RawHttp.get("/hello")).status());
                long id = fixture.server().registry().pools().stream().mapToLong(c -> c.id()).max().orElseThrow();
                fixture.admin("/admin/pools/" + id, TOKEN);
                for (int r = 0; r <= i; r++) { // connection i makes i + 1 requests, one with a large body
                    byte[] request = r == 0 ? RawHttp.get("/bytes/40000") : RawHttp.get("/hello");
                    assertEquals(200, http.exchange(request).status());
                }
            }
            for (RawHttp http : connections) {
                // A request that waits for the rest of its body: each connection holds its node while
                // the view is drawn (an idle one gives it back at the sweep, which may come at any moment).
                http.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhalf".getBytes(StandardCharsets.US_ASCII));
            }
            awaitOneNodeEach();
            JsonNode live = fixture.admin("/admin/pools", TOKEN).json().path("connections");
            assertEquals(3, live.size(), live.toString());
            Set<String> ids = new TreeSet<>();
            live.forEach(c -> ids.add(c.path("id").asText()));
            long selected = live.get(2).path("id").asLong();
            int selectedResets = fixture.admin("/admin/pools/" + selected, TOKEN).json().path("recentResets").size();
            assertEquals(3, selectedResets, "the third connection made 3 requests since it was looked at: 3 resets kept");

            String url = "http://127.0.0.1:" + fixture.server().adminPort() + "/admin/#token=" + TOKEN
                    + "&select=" + selected;
            String dom = chromium.dumpDom(url);

            assertTrue(dom.contains("<pre id=\"js-errors\"></pre>"), "the page logged a JavaScript error: "
                    + between(dom, "<pre id=\"js-errors\"", "</pre>"));
            assertTrue(Pattern.compile("<body data-polls=\"[1-9]").matcher(dom).find(),
                    "the page never completed a poll: " + between(dom, "<span id=\"status\"", "</span>"));
            Set<String> rows = new TreeSet<>();
            for (Matcher m = ROW.matcher(dom); m.find(); ) {
                rows.add(m.group(1));
            }
            assertEquals(ids, rows, "one row per live connection");
            assertEquals(3, count(dom, "class=\"node-used\"") - count(between(dom, "id=\"detail\"", "</section>"),
                    "class=\"node-used\""), "one node bar per connection (each pool has one node)");
            String detail = between(dom, "id=\"detail\"", "</section>");
            assertTrue(detail.startsWith(" class=\"wide\" data-id=\"" + selected + "\"")
                    || detail.contains("data-id=\"" + selected + "\""), "the detail shows connection " + selected);
            assertEquals(selectedResets, count(detail, "class=\"reset-mark\""), "every recent reset on the timeline");
            assertEquals(selectedResets, count(detail, "<tr class=\"reset\">"), "every recent reset in the table");
            assertFalse(dom.contains(TOKEN), "the token never enters the DOM");

            chromium.screenshot(url, OUTPUT.resolve("admin-view.png"), 1400, 1100);
        } finally {
            for (RawHttp http : connections) {
                http.close();
            }
        }
    }

    /**
     * What the address asks for is what the page shows: {@code #rows=2} draws two rows and the
     * selector says 2, {@code #select=null} selects nothing (no "Connection NaN"), and the history
     * lines span their whole width from the first polls on.
     */
    @Test
    void theFragmentsRowsAndSelectAreHonouredOrIgnoredAndHistoryLinesSpanTheirWidth() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.find(OUTPUT);
        List<RawHttp> connections = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RawHttp http = fixture.connect();
                connections.add(http);
                assertEquals(200, http.exchange(RawHttp.get("/hello")).status());
            }
            String dom = chromium.dumpDom("http://127.0.0.1:" + fixture.server().adminPort() + "/admin/#token=" + TOKEN
                    + "&rows=2&select=null");
            assertTrue(dom.contains("<pre id=\"js-errors\"></pre>"), "the page logged a JavaScript error: "
                    + between(dom, "<pre id=\"js-errors\"", "</pre>"));
            int rows = 0;
            for (Matcher m = ROW.matcher(dom); m.find(); ) {
                rows++;
            }
            assertEquals(2, rows, "#rows=2 draws two of the three connections");
            String selector = between(dom, "<select id=\"limit\">", "</select>");
            assertTrue(selector.contains("<option selected=\"\">2</option>"), "the selector shows 2: " + selector);
            assertEquals(1, count(selector, "selected"), selector);
            assertFalse(dom.contains("NaN"), "#select=null selects nothing: " + between(dom, "id=\"detail\"", "</h2>"));

            String history = between(dom, "<svg id=\"arena-history\"", "</svg>");
            Matcher line = Pattern.compile("<polyline points=\"([^\"]+)\"").matcher(history);
            assertTrue(line.find(), "the page polled at least twice: " + history);
            String[] points = line.group(1).split(" ");
            assertEquals("600.0", points[points.length - 1].split(",")[0],
                    points.length + " samples span the chart's 600 units: " + line.group(1));
        } finally {
            for (RawHttp http : connections) {
                http.close();
            }
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length())) {
            n++;
        }
        return n;
    }

    private static String between(String text, String from, String to) {
        int start = text.indexOf(from);
        if (start < 0) {
            return "";
        }
        int end = text.indexOf(to, start);
        return text.substring(start + from.length(), end < 0 ? text.length() : end);
    }

    /** Waits (bounded) until every connection holds its node again (its next request is running). */
    private void awaitOneNodeEach() {
        Await.until("every connection to hold one node", ServerFixture.SETTLE,
                () -> fixture.server().registry().pools().stream().map(c -> c.summary().nodes()).toList(),
                nodes -> nodes.stream().allMatch(n -> n == 1));
    }
}
