package io.mpool.server.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.Map;

/** The admin endpoint's JSON: one mapper for every answer. */
final class AdminJson {
    static final String CONTENT_TYPE = "application/json";
    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private AdminJson() {
    }

    static byte[] bytes(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("admin answer " + value.getClass().getSimpleName() + " is not JSON", e);
        }
    }

    /** A page body of JSON. */
    static CachedPage.Body body(Object value) {
        return new CachedPage.Body(bytes(value), CONTENT_TYPE);
    }

    /** {@code {"error": message}}. */
    static CachedPage.Body error(String message) {
        return body(Map.of("error", message));
    }
}
