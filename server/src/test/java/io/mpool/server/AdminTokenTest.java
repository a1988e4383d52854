package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AdminTokenTest {

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withAdmin("127.0.0.1", "s3cret-token"));

    @Test
    void requestsWithoutTheBearerTokenGet401() throws Exception {
        ServerFixture.AdminAnswer none = fixture.admin("/admin/pools", null);
        assertEquals(401, none.status());
        assertEquals("missing or wrong bearer token", none.json().path("error").asText());
        assertFalse(none.body().contains("s3cret"));
        assertEquals(401, fixture.admin("/admin/health", "wrong").status());
        assertEquals(401, fixture.admin("/admin/pools/1", "s3cret-token-but-longer").status());
        assertEquals(200, fixture.admin("/admin/pools", "s3cret-token").status());
        assertEquals(200, fixture.admin("/admin/health", "s3cret-token").status());
    }

    /** RFC 9110 section 11.1: the scheme is case-insensitive; RFC 6750: one or more spaces before the token. */
    @Test
    void theBearerSchemeIsMatchedInAnyCase() throws IOException {
        try (RawHttp admin = new RawHttp(fixture.server().adminPort())) {
            for (String authorization : new String[] {"Bearer s3cret-token", "bearer s3cret-token",
                    "BEARER s3cret-token", "bEaReR s3cret-token", "Bearer   s3cret-token"}) {
                assertEquals(200, admin.exchange(health(authorization)).status(), authorization);
            }
            for (String authorization : new String[] {"Bearer s3cret-tokeN", "Bearers3cret-token",
                    "Bearerx s3cret-token", "Basic s3cret-token", "Bearer", "Bearer ", "s3cret-token",
                    "Bearer s3cret-token x"}) {
                assertEquals(401, admin.exchange(health(authorization)).status(), authorization);
            }
        }
    }

    private static byte[] health(String authorization) {
        return ("GET /admin/health HTTP/1.1\r\nHost: t\r\nAuthorization: " + authorization + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }
}
