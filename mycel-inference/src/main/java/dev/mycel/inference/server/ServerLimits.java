package dev.mycel.inference.server;

import java.time.Duration;

/**
 * What a block server gives its clients.
 *
 * @param cacheBytes     KV cache memory shared by all sessions; a session reserves its whole
 *                       context's worth when it opens, and a server that is full refuses new ones
 * @param idleTimeout    a session with no step for this long is closed and its cache freed
 * @param maxPositions   the longest context one session may ask for
 */
public record ServerLimits(long cacheBytes, Duration idleTimeout, int maxPositions) {
    public static ServerLimits defaults() {
        return new ServerLimits(2L << 30, Duration.ofMinutes(5), 8192);
    }

    public ServerLimits {
        if (cacheBytes <= 0 || maxPositions <= 0) {
            throw new IllegalArgumentException("cache size and context must be positive");
        }
    }
}
