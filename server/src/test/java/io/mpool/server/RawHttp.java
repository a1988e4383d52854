package io.mpool.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately small HTTP/1.1 client over a plain socket, so tests control every byte sent
 * (pipelining, partial bodies, aborts) and see every byte received.
 */
final class RawHttp implements AutoCloseable {

    /** A parsed response. Header names are lower-cased. */
    record Response(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawHttp(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true);
        in = new java.io.BufferedInputStream(socket.getInputStream(), 65536);
        out = socket.getOutputStream();
    }

    static byte[] get(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] post(String path, String contentType, byte[] body) {
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Type: " + contentType
                + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        return concat(head, body);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }

    RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    Response exchange(byte[] request) throws IOException {
        send(request);
        return read();
    }

    /** Reads one response: status line, headers, and a body by length, chunks, or until close. */
    Response read() throws IOException {
        return read(false);
    }

    /** Reads the answer to a HEAD request: status line and headers; no body follows them. */
    Response readHead() throws IOException {
        return read(true);
    }

    private Response read(boolean headRequest) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        String[] parts = statusLine.split(" ", 3);
        int status = Integer.parseInt(parts[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String header = line(); header != null && !header.isEmpty(); header = line()) {
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
                int size = Integer.parseInt(line().split(";")[0].trim(), 16);
                if (size == 0) {
                    while (!line().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                all.writeBytes(in.readNBytes(size));
                line();
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
    boolean closedByServer() throws IOException {
        try {
            return in.read() == -1;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    private String line() throws IOException {
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
    record Exchange(byte[] received, String ending) {
        boolean hung() {
            return ending.equals("timeout");
        }

        String text() {
            return new String(received, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * One connection: sends {@code request} in pieces cut at {@code splits} (each flushed on its
     * own), half-closes, and reads until the server closes ("closed"), resets ("reset") or stays
     * silent for {@code timeoutMillis} ("timeout"). A write refused because the server already
     * closed is not an error: what it answered is still read.
     */
    static Exchange sendAll(int port, byte[] request, int[] splits, int timeoutMillis) throws IOException {
        java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
        String ending;
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(timeoutMillis);
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
            } catch (java.net.SocketTimeoutException e) {
                ending = "timeout";
            } catch (IOException e) {
                ending = "reset";
            }
        }
        return new Exchange(received.toByteArray(), ending);
    }

    /** Closes with a TCP reset instead of a FIN, like a client that crashed. */
    void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    OutputStream output() {
        return out;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
