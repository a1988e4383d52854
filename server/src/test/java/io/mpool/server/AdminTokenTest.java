package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
}
