package dev.mycel.federated.round;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What crossed the network for a run, as a coordinator counts it: the protobuf bytes of every
 * call it sent (down, to the clients) and every reply it got (up). TLS and HTTP/2 framing add a
 * few percent on top and are not counted.
 */
public final class Traffic {
    private final AtomicLong up = new AtomicLong();
    private final AtomicLong down = new AtomicLong();

    void sent(long bytes) {
        down.addAndGet(bytes);
    }

    void received(long bytes) {
        up.addAndGet(bytes);
    }

    /** Bytes from the clients to the coordinator. */
    public long bytesUp() {
        return up.get();
    }

    /** Bytes from the coordinator to the clients. */
    public long bytesDown() {
        return down.get();
    }
}
