package dev.mycel.net.transport.frame;

import java.time.Duration;

/**
 * The bounds of a {@link FrameServer}.
 *
 * @param maxFrameBytes         largest frame either side accepts; a longer one ends the connection
 *                              before anything is allocated for it
 * @param maxConnections        connections served at once; more are closed on arrival
 * @param maxConnectionsPerPeer connections one peer may hold at once, so that a single peer
 *                              cannot take every slot
 * @param handshakeTimeout      time allowed for the TLS handshake and the protocol preamble
 * @param idleTimeout           the longest a connection may wait for the peer's next frame (or
 *                              take to write one) before it is closed
 */
public record FrameLimits(int maxFrameBytes, int maxConnections, int maxConnectionsPerPeer,
                          Duration handshakeTimeout, Duration idleTimeout) {
    public static FrameLimits defaults() {
        return new FrameLimits(4 << 20, 256, 32, Duration.ofSeconds(10), Duration.ofMinutes(5));
    }

    public FrameLimits {
        if (maxFrameBytes < 1024) {
            throw new IllegalArgumentException("frames must be allowed at least 1024 bytes, got " + maxFrameBytes);
        }
        if (maxConnections < 1 || maxConnectionsPerPeer < 1) {
            throw new IllegalArgumentException("connection bounds must be positive");
        }
    }

    public FrameLimits withMaxFrameBytes(int bytes) {
        return new FrameLimits(bytes, maxConnections, maxConnectionsPerPeer, handshakeTimeout, idleTimeout);
    }

    public FrameLimits withIdleTimeout(Duration timeout) {
        return new FrameLimits(maxFrameBytes, maxConnections, maxConnectionsPerPeer, handshakeTimeout, timeout);
    }
}
