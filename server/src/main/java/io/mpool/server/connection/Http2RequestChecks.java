package io.mpool.server.connection;

import io.undertow.protocols.http2.Http2Channel;
import io.undertow.server.Connectors;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.ParserUtils;
import java.nio.charset.StandardCharsets;

/** The checks of an HTTP/2 request's head before it becomes an exchange, as Undertow's own listener makes them. */
final class Http2RequestChecks {
    private Http2RequestChecks() {
    }

    /**
     * RFC 9113 8.3.1 as Undertow's listener checks it: one {@code :method}; CONNECT with
     * {@code :authority} only, any other with one {@code :scheme} and one {@code :path}; no
     * {@code Connection}; {@code TE} only {@code trailers}; and the characters of each.
     */
    static boolean validPseudoHeaders(HeaderMap headers, boolean allowUnescapedCharacters) {
        if (headers.count(Http2Channel.METHOD) != 1 || headers.contains(Headers.CONNECTION)) {
            return false;
        }
        if (headers.get(Http2Channel.METHOD).contains(Methods.CONNECT_STRING)) {
            if (headers.contains(Http2Channel.SCHEME) || headers.contains(Http2Channel.PATH)
                    || headers.count(Http2Channel.AUTHORITY) != 1) {
                return false;
            }
        } else if (headers.count(Http2Channel.SCHEME) != 1 || headers.count(Http2Channel.PATH) != 1) {
            return false;
        }
        if (headers.contains(Headers.TE)) {
            for (String value : headers.get(Headers.TE)) {
                if (!value.equals("trailers")) {
                    return false;
                }
            }
        }
        return (allowUnescapedCharacters || allBytes(headers.getFirst(Http2Channel.PATH), Kind.TARGET))
                && allBytes(headers.getFirst(Http2Channel.SCHEME), Kind.SCHEME)
                && allBytes(headers.getFirst(Http2Channel.AUTHORITY), Kind.TARGET)
                && allBytes(headers.getFirst(Http2Channel.METHOD), Kind.TOKEN);
    }

    private enum Kind { TARGET, SCHEME, TOKEN }

    private static boolean allBytes(String value, Kind kind) {
        if (value == null) {
            return true;
        }
        for (byte b : value.getBytes(StandardCharsets.ISO_8859_1)) {
            boolean valid = switch (kind) {
                case TARGET -> ParserUtils.isRequestTargetChar(b);
                case SCHEME -> Connectors.isValidSchemeCharacter(b);
                case TOKEN -> Connectors.isValidTokenCharacter(b);
            };
            if (!valid) {
                return false;
            }
        }
        return true;
    }
}
