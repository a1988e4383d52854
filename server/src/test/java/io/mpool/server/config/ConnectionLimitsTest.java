package io.mpool.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code --max-connections auto}: every descriptor the server will open is kept out of the connections' share. */
class ConnectionLimitsTest {
    @Test
    void autoKeepsTheAdminConnectionsTheAcceptPipesAndTheSpareOutOfTheConnections() {
        ServerConfig config = ServerConfig.defaults(0, 0).withIoThreads(4);
        ConnectionLimits limits = ConnectionLimits.resolve(config, 1024, 20);
        // 4 main IO threads and the admin listener's one each open a pipe (2 descriptors) at their first accept.
        int pipes = ConnectionLimits.ACCEPT_PIPE_FDS * (4 + 1);
        assertEquals(1024 - 20 - ConnectionLimits.ADMIN_MAX_CONNECTIONS - pipes - ConnectionLimits.SPARE_FDS,
                limits.maxConnections(), limits.derivation());
        assertTrue(limits.derivation().contains(pipes + " accept pipes"), limits.derivation());
    }

    @Test
    void autoWithNoDescriptorsLeftNamesTheLimitAndWhatTookThem() {
        ServerConfig config = ServerConfig.defaults(0, 0).withIoThreads(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConnectionLimits.resolve(config, 100, 20));
        assertTrue(e.getMessage().startsWith("--max-connections=auto: no descriptors left"), e.getMessage());
        assertTrue(e.getMessage().contains("fd limit 100"), e.getMessage());
    }

    @Test
    void anUnknownDescriptorLimitFallsBackToAFixedCount() {
        ConnectionLimits limits = ConnectionLimits.resolve(ServerConfig.defaults(0, 0), -1, -1);
        assertEquals(ConnectionLimits.FALLBACK_MAX_CONNECTIONS, limits.maxConnections());
    }
}
