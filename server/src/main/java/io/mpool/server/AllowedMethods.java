package io.mpool.server;

import io.undertow.server.HttpServerExchange;
import java.util.Set;

/**
 * The methods one resource takes, and what to do with a request's method: a handler's RFC 9110
 * method check ({@code 405} with {@code Allow}, {@code 501} for a method nobody recognizes, 204 for
 * {@code OPTIONS}).
 *
 * <p>Methods are matched byte for byte: RFC 9110 section 9.1 makes the method token
 * case-sensitive, while Undertow's {@code HttpString.equals} (and so {@code Methods.GET.equals})
 * ignores case, which served {@code get /hello} as a GET. HEAD goes wherever GET does (Undertow
 * keeps the headers, Content-Length included, and drops the body), and OPTIONS everywhere.
 *
 * <p>A method outside {@link #KNOWN} ({@code FOO}) gets 501, as RFC 9110 section 9.1 asks of an
 * origin server for a method it does not recognize; a known method the resource does not take
 * gets 405 with {@code Allow}. A method with lower-case letters ({@code get}) never gets here: the
 * framing check answers it 501 and closes before Undertow parses it, because Undertow folds case
 * on its own (it drops the body of the answer to {@code head}, and would take {@code connect}
 * for CONNECT). nginx answers such a method 400, its request-line parser refusing lower case;
 * 501 is what the RFC says of a method the server does not recognize, and {@code get} is a
 * well-formed token, just not one we know.
 */
public final class AllowedMethods {

    /** What a request's method calls for. */
    public enum Verdict {
        /** The resource takes it: run the handler (HEAD included). */
        SERVE,
        /** OPTIONS: answer 204 with {@code Allow}. */
        OPTIONS,
        /** A known method the resource does not take: 405 with {@code Allow}. */
        NOT_ALLOWED,
        /** Not a method we recognize (case counts): 501. */
        NOT_IMPLEMENTED
    }

    /** RFC 9110 section 9's methods and PATCH (RFC 5789), exactly as registered (upper case). */
    public static final Set<String> KNOWN = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
            "PATCH");

    /** GET, with HEAD and OPTIONS. */
    public static final AllowedMethods GET = new AllowedMethods("GET", "HEAD", "OPTIONS");
    /** POST, with OPTIONS. */
    public static final AllowedMethods POST = new AllowedMethods("POST", "OPTIONS");

    private final Set<String> methods;
    private final String allowHeader;

    /** A resource taking {@code methods} (upper case, as sent); list OPTIONS (and HEAD with GET) too. */
    public static AllowedMethods of(String... methods) {
        return new AllowedMethods(methods);
    }

    private AllowedMethods(String... methods) {
        this.methods = Set.of(methods);
        this.allowHeader = String.join(", ", methods);
    }

    /** The value of the {@code Allow} header: {@code GET, HEAD, OPTIONS}. */
    public String allowHeader() {
        return allowHeader;
    }

    /** What to do with {@code exchange}'s method on this resource. */
    public Verdict check(HttpServerExchange exchange) {
        String method = exchange.getRequestMethod().toString(); // the bytes as sent, case kept
        if (!KNOWN.contains(method)) {
            return Verdict.NOT_IMPLEMENTED;
        }
        if (method.equals("OPTIONS")) {
            return Verdict.OPTIONS;
        }
        return methods.contains(method) ? Verdict.SERVE : Verdict.NOT_ALLOWED;
    }

    /** True if {@code exchange}'s method is one we recognize, case included. */
    public static boolean known(HttpServerExchange exchange) {
        return KNOWN.contains(exchange.getRequestMethod().toString());
    }

    @Override
    public String toString() {
        return allowHeader;
    }
}
