package io.mpool.server.demo;

import io.undertow.connector.PooledByteBuffer;
import io.undertow.server.HttpServerExchange;

/**
 * A buffer of the connection's pool held by a handler for one exchange. It is closed when the
 * exchange completes, however it ends (done, failed, client gone mid-transfer), so a handler that
 * never reaches its own close cannot keep the connection's pool from resetting. A handler may
 * close it earlier; closing is idempotent.
 */
final class ExchangeBuffer {
    private ExchangeBuffer() {
    }

    static PooledByteBuffer allocate(HttpServerExchange exchange) {
        PooledByteBuffer pooled = exchange.getConnection().getByteBufferPool().allocate();
        exchange.addExchangeCompleteListener((ex, next) -> {
            pooled.close();
            next.proceed();
        });
        return pooled;
    }
}
