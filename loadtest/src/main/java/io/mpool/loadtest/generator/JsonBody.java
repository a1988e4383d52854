package io.mpool.loadtest.generator;

import java.nio.charset.StandardCharsets;

/**
 * A JSON body of exactly n bytes for {@code POST /json}: {@code [{"id":0,"name":"item-0"},...]}
 * padded with spaces before the closing bracket, and the answer the server must give for it.
 * {@code loadtest/wrk/json.lua} builds the same document.
 */
record JsonBody(byte[] bytes, String answer) {
    /** The smallest document: {@code []}. */
    static final int MIN_SIZE = 2;

    static JsonBody of(int size) {
        if (size < MIN_SIZE) {
            throw new IllegalArgumentException("--body-size=" + size + " (expected: at least " + MIN_SIZE
                    + " bytes for a json body)");
        }
        StringBuilder json = new StringBuilder("[");
        int objects = 0;
        while (true) {
            String next = (objects == 0 ? "" : ",") + "{\"id\":" + objects + ",\"name\":\"item-" + objects + "\"}";
            if (json.length() + next.length() + 1 > size) {
                break;
            }
            json.append(next);
            objects++;
        }
        json.append(" ".repeat(size - json.length() - 1)).append(']');
        String answer = "{\"bytes\":" + size + ",\"fields\":" + 2L * objects + ",\"depth\":" + (objects > 0 ? 2 : 1)
                + "}\n";
        return new JsonBody(json.toString().getBytes(StandardCharsets.US_ASCII), answer);
    }
}
