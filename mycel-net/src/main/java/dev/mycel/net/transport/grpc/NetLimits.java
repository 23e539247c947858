package dev.mycel.net.transport.grpc;

import java.time.Duration;

/**
 * The bounds every connection lives within. Defaults suit a home machine; the node's config
 * file overrides them.
 *
 * @param maxMessageBytes      largest message accepted on any call (larger ones end the call)
 * @param rpcTimeout           deadline of a request-response call
 * @param handshakeTimeout     time allowed for the TLS handshake
 * @param keepAliveTime        idle time before a keep-alive ping
 * @param keepAliveTimeout     time to wait for the ping's answer before the connection is dropped
 * @param requestsPerSecond    calls each peer may start per second, sustained
 * @param requestBurst         calls each peer may start at once after a quiet spell
 * @param maxConcurrentCalls   calls open at once on one connection
 * @param flowControlWindow    HTTP/2 flow-control window, per stream and per connection: the
 *                             most bytes a peer may send that this side has not yet read, so
 *                             the bound on what one connection buffers for incoming streams.
 *                             Throughput over a link is at most window / round-trip time.
 */
public record NetLimits(int maxMessageBytes, Duration rpcTimeout, Duration handshakeTimeout,
                        Duration keepAliveTime, Duration keepAliveTimeout,
                        double requestsPerSecond, int requestBurst, int maxConcurrentCalls,
                        int flowControlWindow) {
    /** gRPC's own default window, used when none is given. */
    public static final int DEFAULT_FLOW_CONTROL_WINDOW = 1 << 20;

    public static NetLimits defaults() {
        return new NetLimits(4 << 20, Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofSeconds(30), Duration.ofSeconds(10), 200, 400, 256, DEFAULT_FLOW_CONTROL_WINDOW);
    }

    /** The limits as before the flow-control window was configurable: gRPC's 1 MiB default. */
    public NetLimits(int maxMessageBytes, Duration rpcTimeout, Duration handshakeTimeout,
                     Duration keepAliveTime, Duration keepAliveTimeout,
                     double requestsPerSecond, int requestBurst, int maxConcurrentCalls) {
        this(maxMessageBytes, rpcTimeout, handshakeTimeout, keepAliveTime, keepAliveTimeout,
                requestsPerSecond, requestBurst, maxConcurrentCalls, DEFAULT_FLOW_CONTROL_WINDOW);
    }

    public NetLimits {
        if (maxMessageBytes < 1024) {
            throw new IllegalArgumentException("max message size must be at least 1024 bytes, got " + maxMessageBytes);
        }
        if (requestsPerSecond <= 0 || requestBurst < 1) {
            throw new IllegalArgumentException("rate limits must be positive");
        }
        if (maxConcurrentCalls < 1) {
            throw new IllegalArgumentException("max concurrent calls must be positive");
        }
        if (flowControlWindow < 65_535) {
            throw new IllegalArgumentException("the HTTP/2 flow-control window is at least 65535 bytes, got " + flowControlWindow);
        }
    }

    public NetLimits withRate(double perSecond, int burst) {
        return new NetLimits(maxMessageBytes, rpcTimeout, handshakeTimeout, keepAliveTime, keepAliveTimeout,
                perSecond, burst, maxConcurrentCalls, flowControlWindow);
    }

    public NetLimits withMaxMessageBytes(int bytes) {
        return new NetLimits(bytes, rpcTimeout, handshakeTimeout, keepAliveTime, keepAliveTimeout,
                requestsPerSecond, requestBurst, maxConcurrentCalls, flowControlWindow);
    }

    public NetLimits withRpcTimeout(Duration timeout) {
        return new NetLimits(maxMessageBytes, timeout, handshakeTimeout, keepAliveTime, keepAliveTimeout,
                requestsPerSecond, requestBurst, maxConcurrentCalls, flowControlWindow);
    }

    public NetLimits withFlowControlWindow(int bytes) {
        return new NetLimits(maxMessageBytes, rpcTimeout, handshakeTimeout, keepAliveTime, keepAliveTimeout,
                requestsPerSecond, requestBurst, maxConcurrentCalls, bytes);
    }
}
