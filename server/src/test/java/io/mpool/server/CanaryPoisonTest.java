package io.mpool.server;

import io.mpool.mempool.DebugOptions;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The canary scenarios with the poison debug mode (released memory filled with 0xF7). */
class CanaryPoisonTest extends CanaryScenarios {
    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withDebug(DebugOptions.NONE.withPoison(true)));

    @Override
    ServerFixture fixture() {
        return fixture;
    }
}
