package dev.mycel.net.transport.frame;

import dev.mycel.net.identity.PeerId;
import dev.mycel.net.tls.PeerTrustManager;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.Caller;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.logging.Logger;

/**
 * The listening half of Mycel's sockets outside gRPC: accepts TCP connections, runs the TLS 1.3
 * handshake with mutual authentication (the peer proves the key behind its id, as on gRPC), and
 * hands each proven connection to a handler on a platform thread of its own. Connections are
 * bounded in number (overall and per peer), in handshake time and in idle time. Platform threads,
 * not virtual ones: there are few connections, and a virtual thread blocked on a socket channel
 * is woken through the JDK's poller thread, a hand-off per read that showed in profiles.
 */
public final class TlsAcceptor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TlsAcceptor.class.getName());

    /** Serves one authenticated connection; the acceptor closes it when this returns. */
    public interface Handler {
        void serve(TlsConnection conn, Caller caller);
    }

    private final ServerSocketChannel socket;
    private final SslContext tls;
    private final Handler handler;
    private final Duration handshakeTimeout;
    private final Duration idleTimeout;
    private final int maxPerPeer;
    private final Semaphore slots;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final Map<PeerId, Integer> perPeer = new ConcurrentHashMap<>();
    private final String name;
    private final Thread acceptor;
    private volatile boolean closed;

    private TlsAcceptor(ServerSocketChannel socket, SslContext tls, Handler handler, int maxConnections, int maxPerPeer,
                        Duration handshakeTimeout, Duration idleTimeout, String name) {
        this.socket = socket;
        this.tls = tls;
        this.handler = handler;
        this.handshakeTimeout = handshakeTimeout;
        this.idleTimeout = idleTimeout;
        this.maxPerPeer = maxPerPeer;
        this.slots = new Semaphore(maxConnections);
        this.name = name;
        this.acceptor = Thread.ofPlatform().daemon().name(name + "-accept").start(this::acceptLoop);
    }

    /**
     * Binds (port 0 picks a free one) and starts accepting.
     *
     * @param maxPerPeer connections one peer may hold at once; more are closed after the handshake
     */
    public static TlsAcceptor start(TlsContexts tls, InetSocketAddress bind, int maxConnections, int maxPerPeer,
                                    Duration handshakeTimeout, Duration idleTimeout, String name, Handler handler)
            throws IOException {
        SslContext context = tls.plainServer();
        ServerSocketChannel s = ServerSocketChannel.open();
        try {
            s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            s.bind(bind, 64);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return new TlsAcceptor(s, context, handler, maxConnections, maxPerPeer, handshakeTimeout, idleTimeout, name);
    }

    public int port() {
        return socket.socket().getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.fine(() -> "accept failed: " + e.getMessage());
                }
                continue;
            }
            if (!slots.tryAcquire()) {
                closeQuietly(s); // over the connection bound: the peer sees the connection end
                continue;
            }
            open.add(s);
            Thread.ofPlatform().daemon().name(name + "-conn").start(() -> {
                try {
                    serve(s);
                } finally {
                    open.remove(s);
                    closeQuietly(s);
                    slots.release();
                }
            });
        }
    }

    private void serve(SocketChannel s) {
        TlsConnection conn;
        try {
            s.setOption(StandardSocketOptions.TCP_NODELAY, true);
            conn = TlsConnection.open(s, tls, false, handshakeTimeout);
        } catch (IOException e) {
            LOG.fine(() -> name + " handshake failed: " + e.getMessage());
            return;
        }
        try (conn) {
            PeerId peer;
            try {
                peer = PeerTrustManager.peerOf(conn.session());
            } catch (IOException | CertificateException e) {
                LOG.fine(() -> name + " peer unproven: " + e.getMessage());
                return;
            }
            // compute() keeps counting and forgetting atomic per peer.
            int held = perPeer.compute(peer, (p, n) -> n == null ? 1 : n + 1);
            try {
                if (held > maxPerPeer) {
                    LOG.fine(() -> name + ": " + peer.shortString() + " holds " + maxPerPeer + " connections already");
                    return;
                }
                conn.timeout(idleTimeout);
                handler.serve(conn, new Caller(peer, conn.remoteHost(), 0));
            } finally {
                perPeer.compute(peer, (p, n) -> n == null || n <= 1 ? null : n - 1);
            }
        }
    }

    private static void closeQuietly(SocketChannel s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** Whether {@link #close()} was called: handlers stop serving their connection. */
    public boolean closed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
        open.forEach(TlsAcceptor::closeQuietly);
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Connections being served now. */
    public int openConnections() {
        return open.size();
    }
}
