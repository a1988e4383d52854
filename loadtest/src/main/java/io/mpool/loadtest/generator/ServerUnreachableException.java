package io.mpool.loadtest.generator;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/** The server does not accept a connection: the run does not start (one message, not a connect error per try). */
public final class ServerUnreachableException extends IOException {
    private static final long serialVersionUID = 1L;

    ServerUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }

    /** One blocking connect to {@code address}, bounded by {@code timeout}. */
    static void check(InetSocketAddress address, Duration timeout) throws ServerUnreachableException {
        try (Socket probe = new Socket()) {
            probe.connect(address, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        } catch (IOException e) {
            throw new ServerUnreachableException("cannot connect to " + address.getHostString() + ":" + address.getPort()
                    + " (" + e.getMessage() + "): is the server running? Nothing was measured.", e);
        }
    }
}
