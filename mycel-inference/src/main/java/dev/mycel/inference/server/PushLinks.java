package dev.mycel.inference.server;

import dev.mycel.inference.proto.Forward;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.FrameConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * A block server's connections to the servers after it in clients' routes, for pushing outputs
 * on ({@link BlockService#PUSH_PROTOCOL}): one authenticated frame connection per next server,
 * kept while it is used. Pushes never wait for an answer; a push that cannot be written is
 * reported to the client as not forwarded, and the client sends the step on itself, so a lost
 * connection costs time and never a step.
 *
 * <p>Pushes run on the compute path, so nothing here waits for a network: a connection is opened
 * in the background when a step first names its server (that step, and any until it is up, are
 * not pushed), and a blocked write fails after {@link #WRITE_TIMEOUT}. The push targets come from
 * clients, so new connection attempts are capped per minute: a client cannot make a server dial
 * address after address.
 *
 * <p>Times come from an injected nanosecond clock and connections are opened on an injected
 * executor (the system clock and a virtual thread each in a server), so tests advance time and
 * open connections in line instead of sleeping.
 */
final class PushLinks implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PushLinks.class.getName());
    /** Pushes happen on the compute path: a next server that does not connect in this is skipped. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** A blocked push write fails (and its connection closes) after this. */
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(2);
    /** New connection attempts allowed per minute, for all targets together. */
    static final int CONNECTS_PER_MINUTE = 30;
    /**
     * A connection unused for longer is replaced before the next push rather than written to:
     * the receiver may have dropped it, and a write into a dropped connection can succeed locally
     * and still be lost. Receivers keep push connections for much longer than this.
     */
    static final Duration REUSE_WITHIN = Duration.ofSeconds(60);
    /** After a failed connection attempt, pushes to that server are not tried again for this long. */
    private static final Duration RETRY_AFTER = Duration.ofSeconds(30);

    private final TlsContexts tls;
    private final int maxFrameBytes;
    private final LongSupplier nanoClock;
    private final Executor connector;
    private final Map<String, Link> links = new HashMap<>();
    private final Map<String, Long> unreachableUntil = new HashMap<>();
    private final java.util.Set<String> connecting = new java.util.HashSet<>();
    private final java.util.ArrayDeque<Long> recentConnects = new java.util.ArrayDeque<>();
    private boolean closed;

    private static final class Link {
        final FrameConnection conn;
        long lastUsed;

        Link(FrameConnection conn, long now) {
            this.conn = conn;
            this.lastUsed = now;
        }
    }

    PushLinks(TlsContexts tls, int maxFrameBytes) {
        this(tls, maxFrameBytes, System::nanoTime, PushLinks::inBackground);
    }

    /**
     * @param nanoClock read for every time here (connection reuse, retry and the attempt cap)
     * @param connector runs each connection attempt; it must not run it on the caller's thread in
     *                  a server, whose pushes are on the compute path
     */
    PushLinks(TlsContexts tls, int maxFrameBytes, LongSupplier nanoClock, Executor connector) {
        this.tls = tls;
        this.maxFrameBytes = maxFrameBytes;
        this.nanoClock = nanoClock;
        this.connector = connector;
    }

    /** The connector of a server: a virtual thread per attempt. */
    static void inBackground(Runnable attempt) {
        Thread.ofVirtual().name("push-connect").start(attempt);
    }

    /**
     * A next server as a step names it, checked and keyed once: sessions keep it from step to
     * step, so a push does not parse and format the target again.
     */
    record Target(PeerId peer, String host, int port, String key) {
    }

    /** The server {@code to} names; null when it names none that could be pushed to. */
    static Target target(Forward to) {
        if (to.getPort() < 1 || to.getPort() > 65535 || to.getHost().isEmpty() || to.getHost().length() > 255) {
            return null;
        }
        PeerId peer;
        try {
            peer = PeerId.ofRawKey(to.getPeer().toByteArray());
        } catch (IllegalArgumentException e) {
            return null;
        }
        return new Target(peer, to.getHost(), to.getPort(), peer + "@" + to.getHost() + ":" + to.getPort());
    }

    /**
     * Writes one pushed step to the server {@code to} names; false when it was not sent (no
     * connection yet, or it failed).
     */
    boolean push(Forward to, byte[] frame) {
        Target t = target(to);
        return t != null && push(t, frame);
    }

    /** As {@link #push(Forward, byte[])}, to a target already checked. */
    synchronized boolean push(Target to, byte[] frame) {
        if (closed) {
            return false;
        }
        String key = to.key();
        Link link = links.get(key);
        if (link != null && nanoClock.getAsLong() - link.lastUsed > REUSE_WITHIN.toNanos()) {
            drop(key, link);
            link = null;
        }
        if (link == null) {
            connectLater(key, to.peer(), to.host(), to.port());
            return false;
        }
        try {
            link.conn.write(frame);
            link.lastUsed = nanoClock.getAsLong();
            return true;
        } catch (IOException e) {
            drop(key, link);
            return false;
        }
    }

    /** Starts connecting to a next server unless that is under way, failed lately, or over the cap. */
    private void connectLater(String key, PeerId peer, String host, int port) {
        long now = nanoClock.getAsLong();
        Long until = unreachableUntil.get(key);
        if (until != null && now - until < 0 || connecting.contains(key)) {
            return;
        }
        unreachableUntil.remove(key);
        while (!recentConnects.isEmpty() && now - recentConnects.peekFirst() > 60_000_000_000L) {
            recentConnects.pollFirst();
        }
        if (recentConnects.size() >= CONNECTS_PER_MINUTE) {
            return;
        }
        recentConnects.addLast(now);
        connecting.add(key);
        connector.execute(() -> {
            FrameConnection conn = null;
            try {
                conn = FrameConnection.connect(tls, peer, host, port, BlockService.PUSH_PROTOCOL, maxFrameBytes,
                        CONNECT_TIMEOUT);
                conn.timeout(WRITE_TIMEOUT);
            } catch (IOException e) {
                LOG.fine(() -> "cannot push to " + key + ": " + e.getMessage());
            }
            synchronized (this) {
                connecting.remove(key);
                if (conn == null) {
                    unreachableUntil.put(key, nanoClock.getAsLong() + RETRY_AFTER.toNanos());
                } else if (closed) {
                    conn.close();
                } else {
                    links.put(key, new Link(conn, nanoClock.getAsLong()));
                }
            }
        });
    }

    /** Connection attempts started in the last minute (for tests). */
    synchronized int recentConnects() {
        return recentConnects.size();
    }

    private void drop(String key, Link link) {
        links.remove(key);
        link.conn.abort();
        link.conn.close();
    }

    @Override
    public synchronized void close() {
        closed = true;
        links.values().forEach(l -> l.conn.close());
        links.clear();
    }
}
