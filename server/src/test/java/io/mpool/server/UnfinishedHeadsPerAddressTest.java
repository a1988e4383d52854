package io.mpool.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mpool.server.transport.ConnectionLimiter;
import io.mpool.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code --max-unfinished-heads-per-ip} over real sockets from two loopback addresses: one
 * address cannot take every unfinished-head slot (its next connection gets the accept-time 503,
 * counted with the other unfinished-head refusals) while another address still gets in; a head
 * makes room for its address; and the per-address counts hold no entry once an address has no
 * unfinished head. (Before: the slots were shared by all, so one address could take them all.)
 */
class UnfinishedHeadsPerAddressTest {
    private static final int MAX_UNFINISHED_HEADS = 4;
    private static final int PER_ADDRESS = 2;
    private static final String HELLO = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";
    private static final String FIRST = "127.0.0.1";
    private static final String SECOND = "127.0.0.2";

    @RegisterExtension
    final ServerFixture fixture = new ServerFixture(config -> config.withConnectionLimits(8, MAX_UNFINISHED_HEADS)
            .withUnfinishedHeadsPerIp(PER_ADDRESS));

    @Test
    void oneAddressGetsItsShareOfUnfinishedHeadsAndOthersStillGetIn() throws Exception {
        ConnectionLimiter limiter = fixture.server().limiter();
        assertEquals(PER_ADDRESS, limiter.maxUnfinishedHeadsPerAddress());
        List<Socket> silent = new ArrayList<>();
        try {
            for (int i = 0; i < PER_ADDRESS; i++) {
                silent.add(connectFrom(FIRST));
            }
            await(() -> fixture.server().stats().unfinishedHeads(), PER_ADDRESS, "the first address's heads");
            String refused = exchange(FIRST, HELLO);
            assertEquals(ConnectionLimitTest.answer503("too many connections without a request yet from your address"
                    + " (at most " + PER_ADDRESS + "); retry later"), refused);
            assertEquals(1, limiter.addressRefusals());
            assertEquals(1, fixture.server().stats().unfinishedHeadRefusals(), "counted like the total's refusals");

            silent.add(connectFrom(SECOND));
            assertEquals("HTTP/1.1 200", exchange(SECOND, HELLO).substring(0, 12), "another address still gets in");
            await(limiter::addressesWithUnfinishedHeads, 2, "addresses with unfinished heads");

            // A head from the first address makes room for it.
            Socket first = silent.remove(0);
            first.getOutputStream().write(HELLO.getBytes(StandardCharsets.US_ASCII));
            assertEquals("HTTP/1.1 200", new String(first.getInputStream().readNBytes(12), StandardCharsets.US_ASCII));
            first.close();
            await(() -> fixture.server().stats().unfinishedHeads(), 2, "unfinished heads after one arrived");
            assertEquals("HTTP/1.1 200", exchange(FIRST, HELLO).substring(0, 12), "room again for the first address");
        } finally {
            for (Socket socket : silent) {
                socket.close();
            }
        }
        await(limiter::addressesWithUnfinishedHeads, 0, "per-address entries once every head is done");
        await(() -> fixture.server().stats().unfinishedHeads(), 0, "unfinished heads at the end");
    }

    /** A connection to the main listener from {@code localAddress} (any 127.x.y.z is loopback on Linux). */
    private Socket connectFrom(String localAddress) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(localAddress, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", fixture.port()), 5_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Sends {@code request} from {@code localAddress}, half-closes, and returns all the server said. */
    private String exchange(String localAddress, String request) throws IOException {
        try (Socket socket = connectFrom(localAddress)) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static void await(IntSupplier value, int expected, String what) {
        Await.until(what + " = " + expected, ServerFixture.SETTLE, value::getAsInt, seen -> seen == expected);
    }
}
