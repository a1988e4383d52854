package io.mpool.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** HTTP/2's settings: nginx's and Undertow's defaults, and what a bad value is told. */
class Http2SettingsTest {
    @Test
    void defaultsAreNginxsWhereUndertowHasNoneAndUndertowsHeaderBound() {
        Http2Settings settings = Http2Settings.defaults(65_536);
        assertEquals(true, settings.enabled());
        assertEquals(128, settings.maxConcurrentStreams());
        assertEquals(65_536, settings.initialWindowSize());
        assertEquals(20_000, settings.maxHeaderListSize(), "Undertow's bound below --max-header-size");
        assertEquals(8_192, Http2Settings.defaults(8_192).maxHeaderListSize(), "--max-header-size below it");
        assertEquals(200, settings.maxResetsPerWindow());
        assertEquals(Duration.ofSeconds(30), settings.resetWindow());
        assertEquals(false, settings.withEnabled(false).enabled());
    }

    @Test
    void badValuesAreNamedWithWhatWasExpected() {
        assertEquals("maxConcurrentStreams=0 (expected: >= 1)", assertThrows(IllegalArgumentException.class,
                () -> new Http2Settings(true, 0, 1, 1, 1, Duration.ofSeconds(1))).getMessage());
        assertEquals("maxHeaderListSize=0 (expected: >= 1)", assertThrows(IllegalArgumentException.class,
                () -> new Http2Settings(true, 1, 0, 1, 1, Duration.ofSeconds(1))).getMessage());
        assertEquals("initialWindowSize=0 (expected: 1..2147483647)", assertThrows(IllegalArgumentException.class,
                () -> new Http2Settings(true, 1, 1, 0, 1, Duration.ofSeconds(1))).getMessage());
        assertEquals("maxResetsPerWindow=0 (expected: >= 1)", assertThrows(IllegalArgumentException.class,
                () -> new Http2Settings(true, 1, 1, 1, 0, Duration.ofSeconds(1))).getMessage());
        assertEquals("resetWindow=PT0S (expected: > 0)", assertThrows(IllegalArgumentException.class,
                () -> new Http2Settings(true, 1, 1, 1, 1, Duration.ZERO)).getMessage());
    }
}
