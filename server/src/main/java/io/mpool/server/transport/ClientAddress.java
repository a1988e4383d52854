package io.mpool.server.transport;

import io.mpool.server.config.TrustedProxies;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The client's address as the access log writes it: the connection's peer, unless that peer is a
 * trusted proxy; then the forwarding header is read from its right end (the hop the trusted
 * proxy added) leftwards, past every trusted address, and the first untrusted one is the client.
 * That is nginx's {@code real_ip_recursive on}: a client can put anything at the left of
 * {@code X-Forwarded-For}, and none of it is believed unless a trusted proxy vouches for the
 * address to its right. A hop that is not an address ({@code unknown}, an obfuscated
 * {@code Forwarded} name, a cut header) stops the walk at the trusted address before it.
 *
 * <p>Runs on the access log's writer thread: the IO thread only hands over the header's text.
 */
final class ClientAddress {
    private ClientAddress() {
    }

    /**
     * @param peer      the connection's peer (null: unknown, written {@code -})
     * @param forwarded the {@code Forwarded} header (when {@code rfc7239}) or {@code X-Forwarded-For},
     *                  every line of it joined with commas; null when not sent or not read
     */
    static String resolve(InetAddress peer, String forwarded, boolean rfc7239, TrustedProxies trusted) {
        if (peer == null) {
            return "-";
        }
        InetAddress client = peer;
        if (forwarded != null && trusted.contains(peer)) {
            List<String> hops = rfc7239 ? forNodes(forwarded) : List.of(forwarded.split(","));
            for (int i = hops.size() - 1; i >= 0 && trusted.contains(client); i--) {
                InetAddress hop = literal(hops.get(i).trim());
                if (hop == null) {
                    break;
                }
                client = hop;
            }
        }
        return client.getHostAddress();
    }

    /** The {@code for=} node of every element of a {@code Forwarded} header (RFC 7239), in order. */
    private static List<String> forNodes(String header) {
        List<String> nodes = new ArrayList<>();
        for (String element : header.split(",")) {
            String node = "";
            for (String pair : element.split(";")) {
                String trimmed = pair.trim();
                if (trimmed.toLowerCase(Locale.ROOT).startsWith("for=")) {
                    node = trimmed.substring(4);
                }
            }
            nodes.add(stripNode(node));
        }
        return nodes;
    }

    /** {@code "[2001:db8::1]:4711"} to {@code 2001:db8::1}, {@code 192.0.2.60:80} to {@code 192.0.2.60}. */
    private static String stripNode(String node) {
        String bare = node.length() >= 2 && node.startsWith("\"") && node.endsWith("\"")
                ? node.substring(1, node.length() - 1) : node;
        if (bare.startsWith("[")) {
            int close = bare.indexOf(']');
            return close < 0 ? "" : bare.substring(1, close);
        }
        int colon = bare.indexOf(':');
        return colon >= 0 && bare.indexOf(':', colon + 1) < 0 ? bare.substring(0, colon) : bare;
    }

    /** A literal IPv4 or IPv6 address, or null; never a name lookup. */
    private static InetAddress literal(String text) {
        if (text.isEmpty() || !(text.indexOf(':') >= 0 || text.chars().allMatch(c -> c == '.' || c >= '0' && c <= '9'))) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean allowed = c == '.' || c == ':' || c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
            if (!allowed) {
                return null; // a zone id or a name: not something to resolve
            }
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
