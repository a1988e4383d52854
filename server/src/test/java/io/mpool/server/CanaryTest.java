package io.mpool.server;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The canary scenarios with the default scrub (pages zeroed when they return to the arena). */
class CanaryTest extends CanaryScenarios {
    @RegisterExtension
    final ServerFixture fixture = new ServerFixture();

    @Override
    ServerFixture fixture() {
        return fixture;
    }
}
