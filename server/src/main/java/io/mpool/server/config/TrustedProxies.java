package io.mpool.server.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxies whose {@code X-Forwarded-For} or {@code Forwarded} header the access log believes
 * ({@code --trusted-proxies}): addresses and CIDR blocks, IPv4 and IPv6, as nginx's
 * {@code set_real_ip_from}. Empty by default: then no header is believed, and every client is
 * the connection's peer.
 */
public final class TrustedProxies {
    /** Trusts no one. */
    public static final TrustedProxies NONE = new TrustedProxies(List.of(), "");
    private static final String EXPECTED = "expected: comma-separated addresses or CIDR blocks,"
            + " e.g. 10.0.0.0/8,192.168.1.10,fd00::/8";

    /** One block: the network's bytes (4 or 16) and how many leading bits must match. */
    private record Block(byte[] network, int prefixBits) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefixBits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixBits % 8;
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return rest == 0 || (address[full] & mask) == (network[full] & mask);
        }
    }

    private final List<Block> blocks;
    private final String text;

    private TrustedProxies(List<Block> blocks, String text) {
        this.blocks = blocks;
        this.text = text;
    }

    /**
     * {@code text} as {@code --trusted-proxies} takes it: comma-separated literal addresses (no
     * host names: a lookup could change what is trusted) and CIDR blocks; empty trusts no one.
     */
    public static TrustedProxies parse(String text) {
        if (text == null || text.isBlank()) {
            return NONE;
        }
        List<Block> blocks = new ArrayList<>();
        for (String item : text.split(",")) {
            String entry = item.trim();
            int slash = entry.indexOf('/');
            byte[] network = literal(text, slash < 0 ? entry : entry.substring(0, slash));
            int bits = network.length * 8;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(entry.substring(slash + 1));
                } catch (NumberFormatException e) {
                    bits = -1;
                }
                if (bits < 0 || bits > network.length * 8) {
                    throw new IllegalArgumentException("--trusted-proxies=" + text + " (" + EXPECTED + "; the prefix of "
                            + entry + " is 0.." + network.length * 8 + ")");
                }
            }
            blocks.add(new Block(network, bits));
        }
        return new TrustedProxies(List.copyOf(blocks), text.trim());
    }

    /** A literal IPv4 or IPv6 address's bytes; never a name lookup. */
    private static byte[] literal(String text, String address) {
        boolean literal = !address.isEmpty() && (address.indexOf(':') >= 0 || address.chars().allMatch(
                c -> c == '.' || c >= '0' && c <= '9'));
        if (literal) {
            try {
                return InetAddress.getByName(address).getAddress(); // a literal: parsed, not looked up
            } catch (UnknownHostException e) {
                // not an address after all: the message below
            }
        }
        throw new IllegalArgumentException("--trusted-proxies=" + text + " (" + EXPECTED + "; not an address: "
                + address + ")");
    }

    /** Whether no proxy is trusted (then the forwarding headers are not even read). */
    public boolean isEmpty() {
        return blocks.isEmpty();
    }

    /** Whether {@code address} is one of the trusted proxies. */
    public boolean contains(InetAddress address) {
        if (blocks.isEmpty() || address == null) {
            return false;
        }
        byte[] bytes = address.getAddress();
        for (Block block : blocks) {
            if (block.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    /** As given on the command line ({@code none} when empty). */
    @Override
    public String toString() {
        return blocks.isEmpty() ? "none" : text;
    }
}
