package dev.mycel.inference.client;

import dev.mycel.net.identity.PeerId;
import dev.mycel.net.transport.frame.FrameConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Idle connections to servers' frame sockets, kept after their session ended cleanly so that the
 * next session with the same server skips the TCP and TLS handshake (about 19 ms on loopback on a
 * 2-vCPU machine, more than a token's hop). A connection is handed out only if it has been idle
 * less than {@link #IDLE} and nothing has arrived on it since (the server closing it shows as
 * readable); anything else is closed. At most {@link #PER_SERVER} are kept per server.
 */
final class FramePool implements AutoCloseable {
    static final Duration IDLE = Duration.ofSeconds(20);
    static final int PER_SERVER = 4;

    private record Key(PeerId peer, String host, int port) {
    }

    private record Idle(FrameConnection conn, long since) {
    }

    private final LongSupplier nanoClock;
    private final Map<Key, Deque<Idle>> idle = new HashMap<>();
    private boolean closed;

    FramePool() {
        this(System::nanoTime);
    }

    FramePool(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** An idle connection to the server that is still clean, or null. */
    FrameConnection take(PeerId peer, String host, int port) {
        Key k = new Key(peer, host, port);
        while (true) {
            Idle i;
            synchronized (this) {
                Deque<Idle> q = idle.get(k);
                i = q == null ? null : q.pollLast();
            }
            if (i == null) {
                return null;
            }
            if (nanoClock.getAsLong() - i.since() < IDLE.toNanos() && quiet(i.conn())) {
                return i.conn();
            }
            i.conn().close();
        }
    }

    /** Keeps a connection whose session ended cleanly, for the next session with that server. */
    void give(PeerId peer, String host, int port, FrameConnection conn) {
        FrameConnection evicted = null;
        synchronized (this) {
            if (!closed) {
                Deque<Idle> q = idle.computeIfAbsent(new Key(peer, host, port), x -> new ArrayDeque<>());
                q.addLast(new Idle(conn, nanoClock.getAsLong()));
                evicted = q.size() > PER_SERVER ? q.pollFirst().conn() : null;
                conn = null;
            }
        }
        if (evicted != null) {
            evicted.close();
        }
        if (conn != null) {
            conn.close();
        }
    }

    /** Nothing arrived since its session ended: no stray answer, and the server did not close it. */
    private static boolean quiet(FrameConnection conn) {
        try {
            return !conn.awaitFrame(Duration.ZERO);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        List<Idle> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            idle.values().forEach(all::addAll);
            idle.clear();
        }
        all.forEach(i -> i.conn().close());
    }
}
