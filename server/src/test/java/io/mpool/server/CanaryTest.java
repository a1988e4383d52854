package io.mpool.server;

import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The canary scenarios with the default scrub: a page or block is zeroed before a different
 * connection takes it (a connection taking back its own is not zeroed, which is why the secret must
 * not reach another connection, rather than be gone from memory).
 */
class CanaryTest extends CanaryScenarios {
    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Override
    ServerFixture fixture() {
        return fixture;
    }
}
