package io.mpool.loadtest.generator;

import io.mpool.server.demo.BytesHandler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * The requests a run sends, each with the exact body the server must answer, in a fixed
 * deterministic order so runs are repeatable. Parsed from {@code --mix}, e.g.
 * {@code hello}, {@code echo}, {@code hello:3,echo:1,upload:1,bytes:1}.
 */
final class RequestMix {

    /**
     * One kind of request: its bytes on the wire and the response body it must get.
     *
     * @param kind the kind's index in {@link #weights()}, for per-kind counters
     */
    record Template(String name, int kind, ByteBuffer request, byte[] expectedBody) {
        ByteBuffer requestView() {
            return request.duplicate();
        }
    }

    private final List<Template> sequence;
    private final Map<String, Integer> weights;

    private RequestMix(List<Template> sequence, Map<String, Integer> weights) {
        this.sequence = sequence;
        this.weights = weights;
    }

    /**
     * @param mix       comma-separated {@code kind[:weight]}, kinds hello, echo, echo-full
     *                  ({@code /echo?mode=full}), upload, json, bytes
     * @param bodySize  bytes in an echo/upload body
     * @param bytesSize n of {@code /bytes/n}
     * @param host      the Host header
     * @param close     send {@code Connection: close} (connection churn)
     */
    static RequestMix parse(String mix, int bodySize, int bytesSize, String host, boolean close) {
        if (mix == null || mix.isBlank()) {
            throw new IllegalArgumentException("--mix is empty (expected: e.g. hello or hello:3,echo:1)");
        }
        byte[] body = new byte[bodySize];
        new SplittableRandom(bodySize).nextBytes(body);
        List<Template> sequence = new ArrayList<>();
        Map<String, Integer> weights = new LinkedHashMap<>();
        for (String part : mix.split(",")) {
            String[] kindAndWeight = part.trim().split(":");
            String kind = kindAndWeight[0].toLowerCase(Locale.ROOT);
            int weight;
            try {
                weight = kindAndWeight.length > 1 ? Integer.parseInt(kindAndWeight[1]) : 1;
            } catch (NumberFormatException e) {
                weight = -1;
            }
            if (weight < 1 || weight > 100 || kindAndWeight.length > 2) {
                throw new IllegalArgumentException("--mix=" + mix + ": bad weight in '" + part + "' (expected: kind or kind:1..100)");
            }
            int index = weights.containsKey(kind) ? new ArrayList<>(weights.keySet()).indexOf(kind) : weights.size();
            Template template = switch (kind) {
                case "hello" -> new Template("hello", index, request("GET /hello", host, close, null),
                        "hello\n".getBytes(StandardCharsets.US_ASCII));
                case "echo" -> new Template("echo", index, request("POST /echo", host, close, body), body);
                case "upload" -> {
                    CRC32 crc = new CRC32();
                    crc.update(body);
                    yield new Template("upload", index, request("POST /upload", host, close, body),
                            String.format("{\"bytes\":%d,\"crc32\":\"%08x\"}\n", body.length, crc.getValue())
                                    .getBytes(StandardCharsets.US_ASCII));
                }
                case "bytes" -> new Template("bytes", index, request("GET /bytes/" + bytesSize, host, close, null), pattern(bytesSize));
                case "echo-full" -> new Template("echo-full", index, request("POST /echo?mode=full", host, close, body), body);
                case "json" -> {
                    JsonBody json = JsonBody.of(bodySize);
                    yield new Template("json", index, request("POST /json", host, close, json.bytes()),
                            json.answer().getBytes(StandardCharsets.US_ASCII));
                }
                default -> throw new IllegalArgumentException("--mix=" + mix + ": unknown kind '" + kind
                        + "' (expected: hello, echo, echo-full, upload, json, bytes)");
            };
            weights.merge(kind, weight, Integer::sum);
            for (int i = 0; i < weight; i++) {
                sequence.add(template);
            }
        }
        return new RequestMix(List.copyOf(sequence), weights);
    }

    /**
     * One request, {@code GET target} (the path of {@code --url}), repeated; its answer is not known
     * in advance, so only its status is checked (any 2xx is good).
     */
    static RequestMix get(String target, String host, boolean close) {
        String name = "GET " + target;
        Template template = new Template(name, 0, request(name, host, close, null), null);
        Map<String, Integer> weights = new LinkedHashMap<>();
        weights.put(name, 1);
        return new RequestMix(List.of(template), weights);
    }

    /** The request number {@code n} of a connection (round robin over the weighted sequence). */
    Template next(long n) {
        return sequence.get((int) (n % sequence.size()));
    }

    /** The mix as {@code --mix} takes it, weights included: {@code hello:3,echo:1}. */
    String describe() {
        StringBuilder text = new StringBuilder();
        weights.forEach((kind, weight) -> text.append(text.length() == 0 ? "" : ",").append(kind).append(':').append(weight));
        return text.toString();
    }

    /** Each kind's weight, in the order first named; a kind's index is its position here. */
    Map<String, Integer> weights() {
        return Collections.unmodifiableMap(weights);
    }

    private static ByteBuffer request(String line, String host, boolean close, byte[] body) {
        StringBuilder head = new StringBuilder(line).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
        if (body != null) {
            head.append("Content-Type: application/octet-stream\r\nContent-Length: ").append(body.length).append("\r\n");
        }
        if (close) {
            head.append("Connection: close\r\n");
        }
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer bytes = ByteBuffer.allocateDirect(headBytes.length + (body == null ? 0 : body.length));
        bytes.put(headBytes);
        if (body != null) {
            bytes.put(body);
        }
        return bytes.flip().asReadOnlyBuffer();
    }

    /** The /bytes pattern, as the server's BytesHandler makes it. */
    static byte[] pattern(int n) {
        byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = BytesHandler.patternByte(i);
        }
        return bytes;
    }
}
