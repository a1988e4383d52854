package io.mpool.server.demo;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * What {@code POST /json} answers about a document: its object fields and its deepest nesting of
 * objects and arrays, counted in one pass of Jackson's streaming parser (no tree). Shared with the
 * reference server of the comparison, so both do the same work.
 *
 * @param fields   object fields, at any depth
 * @param maxDepth deepest nesting: 0 for a scalar, 1 for {@code {}} or {@code []}
 */
public record JsonCounts(long fields, int maxDepth) {

    /**
     * Counts the one JSON value {@code parser} reads.
     *
     * @throws JsonParseException for malformed JSON, an empty input, or data after the value
     */
    public static JsonCounts of(JsonParser parser) throws IOException {
        JsonToken token = parser.nextToken();
        if (token == null) {
            throw new JsonParseException(parser, "empty body");
        }
        long fields = 0;
        int depth = 0;
        int maxDepth = 0;
        do {
            switch (token) {
                case START_OBJECT, START_ARRAY -> maxDepth = Math.max(maxDepth, ++depth);
                case END_OBJECT, END_ARRAY -> depth--;
                case FIELD_NAME -> fields++;
                default -> { }
            }
            token = parser.nextToken();
        } while (depth > 0 && token != null);
        if (depth > 0) {
            throw new JsonParseException(parser, "unexpected end of input");
        }
        if (token != null) {
            throw new JsonParseException(parser, "data after the value");
        }
        return new JsonCounts(fields, maxDepth);
    }

    /** {@code {"bytes":N,"fields":F,"depth":D}} and a newline. */
    public String answer(long bytes) {
        return "{\"bytes\":" + bytes + ",\"fields\":" + fields + ",\"depth\":" + maxDepth + "}\n";
    }
}
