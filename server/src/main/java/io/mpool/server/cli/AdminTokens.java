package io.mpool.server.cli;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Admin tokens the server makes when it must expose the admin endpoint without one given. */
public final class AdminTokens {
    /** 128 bits from the system's secure random source. */
    private static final int TOKEN_BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private AdminTokens() {
    }

    public static String generate() {
        byte[] bytes = new byte[TOKEN_BYTES];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
