package io.mpool.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server tests' one HTTP/1.1 client over plain sockets, so tests control every byte sent
 * (pipelining, partial bodies, aborts) and see every byte received: a keep-alive connection
 * ({@link #RawHttp(int)}), one whole exchange ({@link #sendAll}), raw sockets ({@link #socket}) and
 * reading status lines out of raw answers ({@link #statuses}, {@link #statusOf}).
 */
public final class RawHttp implements AutoCloseable {
    private static final String HOST = "127.0.0.1";
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final int READ_TIMEOUT_MILLIS = 30_000;
    private static final int RECEIVE_BUFFER = 64 * 1024;
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] (\\d{3}) ");

    /** A parsed response. Header names are lower-cased. */
    public record Response(int status, Map<String, String> headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttp(int port) throws IOException {
        socket = socket(port, READ_TIMEOUT_MILLIS);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream(), RECEIVE_BUFFER);
        out = socket.getOutputStream();
    }

    /** A socket connected to the server on loopback, reads timing out after {@code timeoutMillis}. */
    public static Socket socket(int port, int timeoutMillis) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(HOST, port), CONNECT_TIMEOUT_MILLIS);
        socket.setSoTimeout(timeoutMillis);
        return socket;
    }

    /**
     * Tries one connection to {@code port} on loopback: "connected", or "refused: " and why (a
     * closed listener). What a test waiting for a listener to close observes.
     */
    public static String connectOutcome(int port) {
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(HOST, port), CONNECT_TIMEOUT_MILLIS);
            return "connected";
        } catch (IOException refused) {
            return "refused: " + refused;
        }
    }

    /** The client's side of the connection: its local port. */
    public int localPort() {
        return socket.getLocalPort();
    }

    public static byte[] get(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * {@code GET path} with {@code Cache-Control: no-cache}: an admin page built after the request
     * arrived, never one reused from before it (what a test reading a count after an action asks).
     */
    public static byte[] getFresh(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: test\r\nCache-Control: no-cache\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] post(String path, String contentType, byte[] body) {
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Type: " + contentType
                + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        return concat(head, body);
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }

    /** The status of every response in a raw answer, in order. */
    public static List<Integer> statuses(String answer) {
        List<Integer> statuses = new ArrayList<>();
        Matcher matcher = STATUS_LINE.matcher(answer);
        while (matcher.find()) {
            statuses.add(Integer.parseInt(matcher.group(1)));
        }
        return statuses;
    }

    /** What a raw answer says: its first status ("200"), or "closed" if there is none. */
    public static String statusOf(byte[] answer) {
        List<Integer> statuses = statuses(new String(answer, StandardCharsets.ISO_8859_1));
        return statuses.isEmpty() || !startsWithStatusLine(answer) ? "closed" : String.valueOf(statuses.get(0));
    }

    private static boolean startsWithStatusLine(byte[] answer) {
        return STATUS_LINE.matcher(new String(answer, StandardCharsets.ISO_8859_1)).lookingAt();
    }

    /** Every response in a raw answer, parsed; what follows the last complete one is ignored. */
    public static List<Response> responses(byte[] answer) throws IOException {
        InputStream in = new ByteArrayInputStream(answer);
        List<Response> responses = new ArrayList<>();
        while (in.available() > 0) {
            responses.add(read(in, false));
        }
        return responses;
    }

    public RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    public RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public Response exchange(byte[] request) throws IOException {
        send(request);
        return read();
    }

    /** Reads one response: status line, headers, and a body by length, chunks, or until close. */
    public Response read() throws IOException {
        return read(in, false);
    }

    /** Reads the answer to a HEAD request: status line and headers; no body follows them. */
    public Response readHead() throws IOException {
        return read(in, true);
    }

    /** Reads one response from any stream (a Unix socket's, say): as {@link #read()}. */
    public static Response readResponse(InputStream in) throws IOException {
        return read(in, false);
    }

    private static Response read(InputStream in, boolean headRequest) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        String[] parts = statusLine.split(" ", 3);
        int status = Integer.parseInt(parts[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
        }
        byte[] body;
        if (headRequest) {
            body = new byte[0];
        } else if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            while (true) {
                int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
                if (size == 0) {
                    String trailer = line(in);
                    while (trailer != null && !trailer.isEmpty()) { // trailers: skipped
                        trailer = line(in);
                    }
                    break;
                }
                all.writeBytes(in.readNBytes(size));
                line(in);
            }
            body = all.toByteArray();
        } else if (status == 204 || status == 304 || status / 100 == 1) {
            body = new byte[0];
        } else {
            body = in.readAllBytes();
        }
        return new Response(status, headers, body);
    }

    /** True once the server has closed the connection (reads end of stream). */
    public boolean closedByServer() throws IOException {
        try {
            return in.read() == -1;
        } catch (SocketException e) {
            return true;
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int end = sb.length();
                if (end > 0 && sb.charAt(end - 1) == '\r') {
                    sb.setLength(end - 1);
                }
                return sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    /** What {@link #sendAll} saw: every byte the server sent, and how the connection ended. */
    public record Exchange(byte[] received, String ending) {
        boolean hung() {
            return ending.equals("timeout");
        }

        public String text() {
            return new String(received, StandardCharsets.ISO_8859_1);
        }

        List<Integer> statuses() {
            return RawHttp.statuses(text());
        }
    }

    /** Everything the server sends until it closes, as text (a reset or read timeout propagates). */
    public static String readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
            received.write(buffer, 0, n);
        }
        return received.toString(StandardCharsets.ISO_8859_1);
    }

    /** {@link #sendAll(int, byte[], int[], int)} in one piece. */
    public static Exchange sendAll(int port, String request, int timeoutMillis) throws IOException {
        return sendAll(port, request.getBytes(StandardCharsets.ISO_8859_1), new int[0], timeoutMillis);
    }

    /**
     * One connection: sends {@code request} in pieces cut at {@code splits} (each flushed on its
     * own), half-closes, and reads until the server closes ("closed"), resets ("reset") or stays
     * silent for {@code timeoutMillis} ("timeout"). A write refused because the server already
     * closed is not an error: what it answered is still read.
     */
    public static Exchange sendAll(int port, byte[] request, int[] splits, int timeoutMillis) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        String ending;
        try (Socket socket = socket(port, timeoutMillis)) {
            socket.setTcpNoDelay(true);
            try {
                int from = 0;
                for (int split : splits) {
                    socket.getOutputStream().write(request, from, split - from);
                    socket.getOutputStream().flush();
                    from = split;
                }
                socket.getOutputStream().write(request, from, request.length - from);
                socket.shutdownOutput();
            } catch (IOException e) {
                // refused early: read what the server said
            }
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[16384];
            try {
                for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
                    received.write(buffer, 0, n);
                }
                ending = "closed";
            } catch (SocketTimeoutException e) {
                ending = "timeout";
            } catch (IOException e) {
                ending = "reset";
            }
        }
        return new Exchange(received.toByteArray(), ending);
    }

    /** Closes with a TCP reset instead of a FIN, like a client that crashed. */
    public void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    public OutputStream output() {
        return out;
    }

    /** The connection's (buffered) input, for a test that reads an answer its own way. */
    public InputStream input() {
        return in;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
