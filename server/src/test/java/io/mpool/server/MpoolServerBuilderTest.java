package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mpool.mempool.ExhaustionPolicy;
import io.mpool.server.config.ServerConfig;
import io.undertow.server.HttpHandler;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The embedding API's settings: checked at build() with the command line's messages; the admin listener off unless asked. */
class MpoolServerBuilderTest {
    private static final HttpHandler OK = exchange -> exchange.getResponseSender().send("ok");

    private static MpoolServerBuilder listening() {
        return MpoolServer.builder().addHttpListener(0, "127.0.0.1").setHandler(OK);
    }

    @Test
    void theDefaultsAreTheCommandLinesWithoutAnAdminListener() {
        ServerConfig config = listening().config();
        assertFalse(config.adminEnabled(), "no admin listener for an embedder unless asked");
        ServerConfig cli = ServerConfig.defaults(0, 0);
        assertEquals(cli.bufferSize(), config.bufferSize());
        assertEquals(cli.arenaMaxBytes(), config.arenaMaxBytes());
        assertEquals(cli.connectionMaxBytes(), config.connectionMaxBytes());
        assertEquals(cli.limits(), config.limits());
        assertEquals(Math.min(Runtime.getRuntime().availableProcessors(), ServerConfig.MAX_IO_THREADS),
                config.ioThreads());
        assertEquals(cli.maxUnfinishedHeadsPerIp(), config.maxUnfinishedHeadsPerIp());
        assertEquals(5, listening().setMaxUnfinishedHeadsPerIp(5).config().maxUnfinishedHeadsPerIp());
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "io       | --io-threads=0 (expected: 1..256)",
        "buffer   | --buffer-size=100 (expected: 512 bytes..1 MiB)",
        "arena    | --arena-max=1024 (expected: at least 64 KiB)",
        "port     | --port=70000 (expected: 0..65535, 0 = any free port)",
        "timeouts | --read-timeout=0s (expected: 1ms..2147483647ms)",
        "access   | --access-log=/nonexistent-dir/x.log (expected: off, stderr, stdout or a file in an existing directory)",
        "perIp    | --max-unfinished-heads-per-ip=-1 (expected: >= 1, or auto (0): derived from --max-unfinished-heads)",
        "perIpMax | --max-unfinished-heads-per-ip=9 (expected: at most --max-unfinished-heads=8)",
        "grace    | --shutdown-grace=-1s (expected: >= 0)",
    })
    void aBadSettingIsRefusedAtBuildWithTheCommandLinesMessage(String setting, String message) {
        UnaryOperator<MpoolServerBuilder> bad = switch (setting.trim()) {
            case "io" -> b -> b.setIoThreads(0);
            case "buffer" -> b -> b.setBufferSize(100);
            case "arena" -> b -> b.setArena(1024, ExhaustionPolicy.FAIL);
            case "port" -> b -> MpoolServer.builder().addHttpListener(70_000, "127.0.0.1").setHandler(OK);
            case "timeouts" -> b -> b.setTimeouts(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1),
                    Duration.ofSeconds(1));
            case "access" -> b -> b.setAccessLog("/nonexistent-dir/x.log");
            case "perIp" -> b -> b.setMaxUnfinishedHeadsPerIp(-1);
            case "perIpMax" -> b -> b.setConnectionLimits(16, 8).setMaxUnfinishedHeadsPerIp(9);
            default -> b -> b.setShutdownGrace(Duration.ofSeconds(-1));
        };
        MpoolServerBuilder builder = bad.apply(listening()); // setting a value never throws: build() checks
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        assertEquals(message, e.getMessage());
    }

    @Test
    void anAdminListenerOffLoopbackWithoutATokenIsRefusedAtBuild() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> listening().setAdminListener(0, "0.0.0.0", null).build());
        assertTrue(e.getMessage().startsWith("--admin-host=0.0.0.0 is not a loopback address and no --admin-token"),
                e.getMessage());
        listening().setAdminListener(0, "0.0.0.0", "secret").config(); // with a token it is allowed
    }

    @Test
    void withoutAListenerOrAHandlerBuildSaysWhatIsMissing() {
        assertEquals("no main listener (expected: addHttpListener(port, host))", assertThrows(
                IllegalStateException.class, () -> MpoolServer.builder().setHandler(OK).build()).getMessage());
        assertEquals("no handler (expected: setHandler(the application's HttpHandler))", assertThrows(
                IllegalStateException.class, () -> MpoolServer.builder().addHttpListener(0, "127.0.0.1").build())
                .getMessage());
        assertThrows(IllegalStateException.class, () -> listening().addHttpListener(0, "127.0.0.1"),
                "one main listener");
    }

    @Test
    void aServerWithoutAdminServesAndSaysSoWhenAskedForTheAdminPort() throws Exception {
        MpoolServer server = listening().build().start();
        try (RawHttp http = new RawHttp(server.port())) {
            assertEquals("ok", http.exchange(RawHttp.get("/anything")).text());
            IllegalStateException e = assertThrows(IllegalStateException.class, server::adminPort);
            assertTrue(e.getMessage().startsWith("no admin listener"), e.getMessage());
        } finally {
            server.close();
        }
        assertEquals(1, server.totals().requests());
        assertEquals(0, server.arenaStats().outstandingBlocks(), "every page back after stop");
    }
}
