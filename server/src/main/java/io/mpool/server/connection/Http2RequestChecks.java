package io.mpool.server.connection;

import io.undertow.protocols.http2.Http2Channel;
import io.undertow.server.Connectors;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.util.ParserUtils;

/**
 * The checks of an HTTP/2 request's head before it becomes an exchange, as Undertow's own listener
 * makes them. They run for every stream, so each header is looked up once and the characters are
 * checked where they are (no copy of a value).
 */
final class Http2RequestChecks {
    private static final int TARGET = 0;
    private static final int SCHEME = 1;
    private static final int TOKEN = 2;

    private Http2RequestChecks() {
    }

    /**
     * RFC 9113 8.3.1 as Undertow's listener checks it: one {@code :method}; CONNECT with
     * {@code :authority} only, any other with one {@code :scheme} and one {@code :path}; no
     * {@code Connection}; {@code TE} only {@code trailers}; and the characters of each.
     */
    static boolean validPseudoHeaders(HeaderMap headers, boolean allowUnescapedCharacters) {
        HeaderValues method = headers.get(Http2Channel.METHOD);
        if (count(method) != 1 || headers.contains(Headers.CONNECTION)) {
            return false;
        }
        HeaderValues scheme = headers.get(Http2Channel.SCHEME);
        HeaderValues path = headers.get(Http2Channel.PATH);
        HeaderValues authority = headers.get(Http2Channel.AUTHORITY);
        if (method.contains(Methods.CONNECT_STRING)) {
            if (count(scheme) > 0 || count(path) > 0 || count(authority) != 1) {
                return false;
            }
        } else if (count(scheme) != 1 || count(path) != 1) {
            return false;
        }
        HeaderValues te = headers.get(Headers.TE);
        for (int i = 0; i < count(te); i++) {
            if (!"trailers".equals(te.get(i))) {
                return false;
            }
        }
        return (allowUnescapedCharacters || allChars(first(path), TARGET))
                && allChars(first(scheme), SCHEME)
                && allChars(first(authority), TARGET)
                && allChars(method.getFirst(), TOKEN);
    }

    private static int count(HeaderValues values) {
        return values == null ? 0 : values.size();
    }

    private static String first(HeaderValues values) {
        return values == null ? null : values.getFirst();
    }

    /**
     * Whether every character of {@code value} is allowed in a {@code kind} field, taken as the
     * ISO-8859-1 byte it encodes to (a character past that charset is {@code ?}, as
     * {@code String.getBytes(ISO_8859_1)} gives it).
     */
    private static boolean allChars(String value, int kind) {
        if (value == null) {
            return true;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            byte b = c > 0xff ? (byte) '?' : (byte) c;
            boolean valid = switch (kind) {
                case TARGET -> ParserUtils.isRequestTargetChar(b);
                case SCHEME -> Connectors.isValidSchemeCharacter(b);
                default -> Connectors.isValidTokenCharacter(b);
            };
            if (!valid) {
                return false;
            }
        }
        return true;
    }
}
