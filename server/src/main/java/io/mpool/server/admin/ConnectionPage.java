package io.mpool.server.admin;

import io.mpool.server.connection.ConnectionBufferPool;
import io.mpool.server.connection.ConnectionSummary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A page of the live connections, sorted, for {@code /admin/pools?sort=&order=&offset=&limit=}: with
 * 10,000 live connections the full list is megabytes of JSON a browser would redraw every second;
 * a page is the {@link #limit} connections that matter (holding the most bytes, the oldest).
 * Totals over every connection ({@link #total}, {@link #resetsPending}, {@link #openBuffers},
 * {@link #bytesReserved}) come with it, so the view needs no second request.
 *
 * @param sort          {@code bytes} (bytesReserved), {@code age}, {@code requests} or {@code id}
 * @param order         {@code desc} (default) or {@code asc}; ties go by id, ascending
 * @param offset        connections skipped, in sort order
 * @param limit         connections in the page, 1 to {@link #MAX_LIMIT}
 * @param total         live connections
 * @param resetsPending of those, connections with a reset waiting for Undertow to close a buffer
 * @param openBuffers   buffers Undertow holds, over every connection
 * @param bytesReserved arena memory every connection's pool holds
 */
public record ConnectionPage(String sort, String order, int offset, int limit, int total, int resetsPending,
                             long openBuffers, long bytesReserved) {
    /** Connections per page when {@code limit} is not given. */
    public static final int DEFAULT_LIMIT = 50;
    /** Most connections one page may hold: a thousand rows is already more than a screen can show. */
    public static final int MAX_LIMIT = 1000;
    /** The query parameters that ask for a page instead of the full list. */
    static final List<String> PARAMETERS = List.of("sort", "order", "offset", "limit");

    private static final Map<String, Comparator<ConnectionSummary>> SORTS = Map.of(
            "bytes", Comparator.comparingLong(ConnectionSummary::bytesReserved),
            // Ids are given in accept order, so they order ages exactly; the ages themselves are read
            // at slightly different moments per row and could swap two connections accepted in
            // the same millisecond.
            "age", Comparator.comparingLong(ConnectionSummary::id).reversed(),
            "requests", Comparator.comparingLong(ConnectionSummary::requests),
            "id", Comparator.comparingLong(ConnectionSummary::id));

    /** Whether the query asks for a page. */
    static boolean requested(Map<String, Deque<String>> query) {
        return PARAMETERS.stream().anyMatch(query::containsKey);
    }

    /**
     * What a query asks for: checked, in lower case, defaults filled in.
     *
     * @throws IllegalArgumentException naming the parameter and its value when one is bad
     */
    static Query query(Map<String, Deque<String>> query) {
        String sort = text(query, "sort", "bytes");
        String order = text(query, "order", "desc");
        if (!SORTS.containsKey(sort)) {
            throw new IllegalArgumentException("sort=" + sort + " (expected: bytes, age, requests or id)");
        }
        if (!order.equals("desc") && !order.equals("asc")) {
            throw new IllegalArgumentException("order=" + order + " (expected: desc or asc)");
        }
        return new Query(sort, order, number(query, "offset", 0, 0, Integer.MAX_VALUE),
                number(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT));
    }

    /** A checked query: two that ask for the same page are equal and have the same {@link #key()}. */
    record Query(String sort, String order, int offset, int limit) {
        /** The page as a path: what tells one page apart from another. */
        String key() {
            return "/admin/pools?sort=" + sort + "&order=" + order + "&offset=" + offset + "&limit=" + limit;
        }
    }

    /** The page {@code query} asks for of {@code connections}, with one row per listed connection. */
    static Listing list(Query query, List<ConnectionBufferPool> connections) {
        List<Listed> listed = new ArrayList<>(connections.size());
        int pending = 0;
        long open = 0;
        long reserved = 0;
        for (ConnectionBufferPool connection : connections) {
            ConnectionSummary summary = connection.summary();
            listed.add(new Listed(summary, connection));
            pending += summary.resetPending() ? 1 : 0;
            open += summary.openBuffers();
            reserved += summary.bytesReserved();
        }
        Comparator<ConnectionSummary> comparator = SORTS.get(query.sort());
        if (query.order().equals("desc")) {
            comparator = comparator.reversed();
        }
        Comparator<ConnectionSummary> byOrder = comparator.thenComparingLong(ConnectionSummary::id);
        listed.sort((a, b) -> byOrder.compare(a.summary(), b.summary()));
        List<ConnectionRow> rows = new ArrayList<>(Math.min(query.limit(), listed.size()));
        for (int i = query.offset(); i < listed.size() && rows.size() < query.limit(); i++) {
            rows.add(ConnectionRow.of(listed.get(i).connection().row()));
        }
        return new Listing(new ConnectionPage(query.sort(), query.order(), query.offset(), query.limit(),
                listed.size(), pending, open, reserved), rows);
    }

    /** A connection and the summary it is sorted by. */
    private record Listed(ConnectionSummary summary, ConnectionBufferPool connection) {
    }

    /** A page and its rows. */
    record Listing(ConnectionPage page, List<ConnectionRow> rows) {
    }

    private static String text(Map<String, Deque<String>> query, String name, String fallback) {
        Deque<String> values = query.get(name);
        return values == null || values.isEmpty() ? fallback : values.getFirst().toLowerCase(Locale.ROOT);
    }

    private static int number(Map<String, Deque<String>> query, String name, int fallback, int min, int max) {
        Deque<String> values = query.get(name);
        if (values == null || values.isEmpty()) {
            return fallback;
        }
        String value = values.getFirst();
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + "=" + value + " (expected: " + min + ".."
                + (max == Integer.MAX_VALUE ? "" : max) + ")");
    }
}
