package io.mpool.server.transport;

import io.undertow.util.StatusCodes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;

/**
 * A complete response written straight to the socket, bypassing Undertow, then the connection
 * closed: for requests Undertow never got to see (refused framing, no memory to read them with).
 * Only safe while no request of the connection is running.
 */
public final class DirectAnswer {
    private DirectAnswer() {
    }

    /**
     * Writes {@code status} with a one-line text body and {@code Connection: close}, then closes:
     * the lingering way ({@link RequestFramingConduit#refuseConnection}) if a framing check guards
     * the connection's reads, at once otherwise (a connection refused before it was set up).
     */
    public static void sendAndClose(StreamConnection connection, int status, String reason) {
        if (connection.getSourceChannel().getConduit() instanceof RequestFramingConduit framing) {
            framing.refuseConnection(status, reason);
            return;
        }
        try {
            connection.getSinkChannel().write(ByteBuffer.wrap(response(status, reason)));
            connection.getSinkChannel().flush();
        } catch (IOException e) {
            // The client is gone; closing is all that is left.
        }
        IoUtils.safeClose(connection);
    }

    /** The bytes of the answer: status line, headers ({@code Retry-After} on 503), one-line body. */
    static byte[] response(int status, String reason) {
        String body = reason + "\n";
        String response = "HTTP/1.1 " + status + " " + StatusCodes.getReason(status) + "\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + body.length() + "\r\n"
                + (status == 503 ? "Retry-After: 1\r\n" : "")
                + "Connection: close\r\n\r\n" + body;
        return response.getBytes(StandardCharsets.US_ASCII);
    }
}
