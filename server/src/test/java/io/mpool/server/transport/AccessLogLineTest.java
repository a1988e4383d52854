package io.mpool.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mpool.server.config.AccessLogSettings.Format;
import io.mpool.server.config.TrustedProxies;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Each access log format, line by line: standard parsers read it, and no client can bend it. */
class AccessLogLineTest {
    /** The combined format as log tools parse it (GoAccess's, Logstash's COMBINEDAPACHELOG, in regex). */
    static final Pattern COMBINED = Pattern.compile("^(\\S+) (\\S+) (\\S+) \\[([\\w:/]+\\s[+\\-]\\d{4})\\]"
            + " \"(\\S+) (\\S+) (\\S+)\" (\\d{3}) (\\d+|-) \"([^\"]*)\" \"([^\"]*)\"$");
    static final Pattern COMMON = Pattern.compile("^(\\S+) (\\S+) (\\S+) \\[([\\w:/]+\\s[+\\-]\\d{4})\\]"
            + " \"(\\S+) (\\S+) (\\S+)\" (\\d{3}) (\\d+|-)$");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What a hostile client sends: line ends, quotes, backslashes, escape sequences, non-ASCII. */
    private static final String HOSTILE = "a \"b\"\r\n127.0.0.1 - - [x] \\x22 \u001b[2J \u00e9\u20ac";

    static AccessLog.Entry entry(long nanos) {
        return new AccessLog.Entry(0, 7, address("192.0.2.7"), null, false, "GET", "/hello", "HTTP/1.1", 200, -1, 6,
                nanos, 512, null, null);
    }

    private static AccessLog.Entry entry(String path, String referer, String userAgent) {
        return new AccessLog.Entry(1_765_000_000_123L, 7, address("192.0.2.7"), null, false, "GET", path, "HTTP/1.1",
                200, 11, 6, 186_000, 4096, referer, userAgent);
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    private static String line(Format format, AccessLog.Entry entry) {
        StringBuilder line = new StringBuilder();
        new AccessLogLine(format, TrustedProxies.NONE).append(entry, line);
        String text = line.toString();
        assertTrue(text.endsWith(System.lineSeparator()), text);
        return text.substring(0, text.length() - System.lineSeparator().length());
    }

    @Test
    void combinedParsesWithTheStandardRegexAndKeepsSpacesInQuotedFields() {
        String line = line(Format.COMBINED, entry("/hello", "https://example.com/a b", "curl/8.5.0 (x86_64)"));
        Matcher m = COMBINED.matcher(line);
        assertTrue(m.matches(), line);
        assertEquals("192.0.2.7", m.group(1));
        assertEquals("GET", m.group(5));
        assertEquals("/hello", m.group(6));
        assertEquals("HTTP/1.1", m.group(7));
        assertEquals("200", m.group(8));
        assertEquals("6", m.group(9));
        assertEquals("https://example.com/a b", m.group(10));
        assertEquals("curl/8.5.0 (x86_64)", m.group(11));
        String absent = line(Format.COMBINED, entry("/", null, null));
        assertTrue(absent.endsWith(" \"-\" \"-\""), "absent headers are -: " + absent);
    }

    @Test
    void commonIsCombinedWithoutRefererAndUserAgent() {
        String line = line(Format.COMMON, entry("/hello", "r", "ua"));
        assertTrue(COMMON.matcher(line).matches(), line);
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void aHostileClientCannotEndALineOrAddAFieldInAnyFormat(Format format) throws Exception {
        String line = line(format, entry("/p" + HOSTILE.replace(' ', '_'), HOSTILE, HOSTILE));
        for (char c : line.toCharArray()) {
            assertTrue(c >= ' ' && c < 0x7F, "only printable ASCII: " + (int) c + " in " + line);
        }
        switch (format) {
            case COMBINED -> {
                Matcher m = COMBINED.matcher(line);
                assertTrue(m.matches(), line);
                assertEquals("a \\x22b\\x22\\x0D\\x0A127.0.0.1 - - [x] \\x5Cx22 \\x1B[2J \\xE9\\xE2\\x82\\xAC",
                        m.group(11));
            }
            case COMMON -> assertTrue(COMMON.matcher(line).matches(), line);
            case JSON -> {
                JsonNode json = JSON.readTree(line);
                assertEquals(HOSTILE, json.get("userAgent").asText(), "JSON keeps the value exactly");
                assertEquals(HOSTILE, json.get("referer").asText());
            }
            case MPOOL -> assertEquals(6, line.substring(line.indexOf("] ") + 2).split(" ").length,
                    "connection, method, path, status, bytes, duration: " + line);
            default -> throw new AssertionError(format);
        }
    }

    @Test
    void jsonHasTheCombinedFieldsAndTheConnectionDurationAndPoolBytes() throws Exception {
        JsonNode json = JSON.readTree(line(Format.JSON, entry("/hello", null, "curl/8")));
        assertEquals("192.0.2.7", json.get("client").asText());
        assertEquals(7, json.get("connection").asLong());
        assertEquals("GET", json.get("method").asText());
        assertEquals("/hello", json.get("path").asText());
        assertEquals("HTTP/1.1", json.get("protocol").asText());
        assertEquals(200, json.get("status").asInt());
        assertEquals(11, json.get("requestBytes").asLong());
        assertEquals(6, json.get("responseBytes").asLong());
        assertEquals(0.186, json.get("durationMs").asDouble());
        assertEquals(4096, json.get("poolBytes").asLong());
        assertTrue(json.get("referer").isNull());
        assertEquals("curl/8", json.get("userAgent").asText());
        assertTrue(json.get("time").asText().matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.123.*"), json.toString());
        JsonNode unknown = JSON.readTree(line(Format.JSON, entry(0)));
        assertTrue(unknown.get("requestBytes").isNull(), "no Content-Length: null, not 0");
    }

    @ParameterizedTest
    @EnumSource(value = Format.class, names = {"COMBINED", "JSON"})
    void aLongUserAgentIsCutWithAMarkInEveryFormat(Format format) throws Exception {
        String longAgent = "u".repeat(AccessLog.MAX_FIELD_CHARS + 1);
        String line = line(format, entry("/", null, longAgent));
        String shown = format == Format.JSON ? JSON.readTree(line).get("userAgent").asText()
                : line.substring(line.lastIndexOf(" \"") + 2, line.length() - 1);
        assertEquals("u".repeat(AccessLog.MAX_FIELD_CHARS) + "\\...", shown);
    }

    @ParameterizedTest(name = "peer {0}, X-Forwarded-For {1}: {2}")
    @CsvSource(delimiter = '|', value = {
        "203.0.113.5 | 198.51.100.1                  | 203.0.113.5",  // an untrusted peer: the header is not believed
        "10.0.0.2    | 198.51.100.1                  | 198.51.100.1", // a trusted proxy: the address it saw
        "10.0.0.2    | 1.2.3.4, 198.51.100.1, 10.0.0.9 | 198.51.100.1", // right-most untrusted, past trusted hops
        "10.0.0.2    | 10.0.0.7, 10.0.0.9            | 10.0.0.7",     // every hop trusted: the left-most
        "10.0.0.2    | 198.51.100.1, unknown          | 10.0.0.2",     // not an address: stop at the proxy
        "10.0.0.2    | evil.example.com              | 10.0.0.2"})    // never a lookup
    void xForwardedForIsBelievedOnlyFromTrustedProxiesFromTheRight(String peer, String header, String client) {
        TrustedProxies trusted = TrustedProxies.parse("10.0.0.0/8, ::1");
        assertEquals(client, ClientAddress.resolve(address(peer), header, false, trusted));
    }

    @Test
    void forwardedIsReadByItsForNodes() {
        TrustedProxies trusted = TrustedProxies.parse("10.0.0.0/8");
        assertEquals("2001:db8:0:0:0:0:0:1", ClientAddress.resolve(address("10.0.0.2"),
                "for=\"[2001:db8::1]:4711\";proto=https, for=10.0.0.5:80;by=10.0.0.2", true, trusted));
        assertEquals("192.0.2.60", ClientAddress.resolve(address("10.0.0.2"), "For=192.0.2.60;proto=http", true, trusted));
        assertEquals("10.0.0.2", ClientAddress.resolve(address("10.0.0.2"), "for=_hidden", true, trusted));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "10.0.0.0/33 | --trusted-proxies=10.0.0.0/33 (expected: comma-separated addresses or CIDR blocks, e.g."
                + " 10.0.0.0/8,192.168.1.10,fd00::/8; the prefix of 10.0.0.0/33 is 0..32)",
        "proxy.local | --trusted-proxies=proxy.local (expected: comma-separated addresses or CIDR blocks, e.g."
                + " 10.0.0.0/8,192.168.1.10,fd00::/8; not an address: proxy.local)"})
    void aBadTrustedProxyIsNamed(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrustedProxies.parse(text));
        assertEquals(message, e.getMessage());
    }
}
