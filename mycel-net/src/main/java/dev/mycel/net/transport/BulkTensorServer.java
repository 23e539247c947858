package dev.mycel.net.transport;

import dev.mycel.net.identity.PeerId;
import dev.mycel.net.tls.PeerTrustManager;
import dev.mycel.net.tls.TlsContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.logging.Logger;

/**
 * Receives bulk tensors on a TLS 1.3 socket of its own, outside gRPC: the same mutual
 * authentication (the peer proves the key behind its id), no HTTP/2 framing and no extra copies,
 * because gRPC's path costs several times the CPU per byte of a plain socket (see
 * docs/BENCHMARKS.md). TLS runs on {@link TlsConnection} (BoringSSL where it loads). Every
 * tensor's size is checked against the limit before anything is allocated; a bad stream gets its
 * reason and is closed; connections are bounded in number, handshake time and idle time. Each
 * runs on a platform thread of its own: they are few, and a virtual thread blocked on a socket
 * channel is woken through the JDK's poller thread, a hand-off per read that showed up in
 * profiles of the bulk path (several per cent of its CPU).
 */
public final class BulkTensorServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BulkTensorServer.class.getName());
    private final ServerSocketChannel socket;
    private final SslContext tls;
    private final TransferLimits limits;
    private final TensorHandler handler;
    private final Duration handshakeTimeout;
    private final Duration idleTimeout;
    private final Semaphore slots;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    private BulkTensorServer(ServerSocketChannel socket, SslContext tls, TransferLimits limits, TensorHandler handler,
                             int maxConnections, Duration handshakeTimeout, Duration idleTimeout) {
        this.socket = socket;
        this.tls = tls;
        this.limits = limits;
        this.handler = handler;
        this.handshakeTimeout = handshakeTimeout;
        this.idleTimeout = idleTimeout;
        this.slots = new Semaphore(maxConnections);
        this.acceptor = Thread.ofPlatform().daemon().name("bulk-accept").start(this::acceptLoop);
    }

    public static BulkTensorServer start(TlsContexts tls, InetSocketAddress bind, TransferLimits limits,
                                         TensorHandler handler, int maxConnections, Duration handshakeTimeout,
                                         Duration idleTimeout) throws IOException {
        SslContext context = tls.plainServer();
        ServerSocketChannel s = ServerSocketChannel.open();
        try {
            s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            s.bind(bind, 64);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return new BulkTensorServer(s, context, limits, handler, maxConnections, handshakeTimeout, idleTimeout);
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
            Thread.ofPlatform().daemon().name("bulk-conn").start(() -> {
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
        PeerId peer;
        try {
            s.setOption(StandardSocketOptions.TCP_NODELAY, true);
            conn = TlsConnection.open(s, tls, false, handshakeTimeout);
        } catch (IOException e) {
            LOG.fine(() -> "bulk handshake failed: " + e.getMessage());
            return;
        }
        try (conn) {
            try {
                peer = PeerTrustManager.peerOf(conn.session());
            } catch (IOException | CertificateException e) {
                LOG.fine(() -> "bulk peer unproven: " + e.getMessage());
                return;
            }
            conn.timeout(idleTimeout);
            serve(conn, new Caller(peer, conn.remoteHost(), 0));
        }
    }

    private void serve(TlsConnection conn, Caller caller) {
        DataInputStream in = new DataInputStream(conn.inputStream());
        try {
            while (!closed) {
                BulkWire.Header h = BulkWire.readHeader(in);
                if (h == null) {
                    return;
                }
                long bytes;
                try {
                    bytes = TensorFrame.byteSize(h.dtype(), h.shape());
                } catch (IllegalArgumentException e) {
                    refuse(conn, e.getMessage());
                    return;
                }
                if (bytes > limits.maxTensorBytes()) {
                    refuse(conn, "a tensor of " + bytes + " bytes exceeds the limit of " + limits.maxTensorBytes());
                    discard(in, bytes);
                    return;
                }
                ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(bytes));
                try {
                    conn.readFully(data);
                } catch (EOFException e) {
                    throw new BulkWire.BulkException("the stream ended inside a tensor");
                }
                data.flip();
                try {
                    handler.accept(caller, new TensorFrame(h.dtype(), h.shape(), data));
                } catch (Exception e) {
                    refuse(conn, "the receiver refused the tensor: " + e.getMessage());
                    return;
                }
                conn.write(ByteBuffer.wrap(new byte[] {BulkWire.OK}));
                conn.flush();
            }
        } catch (BulkWire.BulkException e) {
            refuse(conn, e.getMessage());
        } catch (IOException e) {
            LOG.fine(() -> "bulk connection from " + caller.peer().shortString() + " ended: " + e.getMessage());
        }
    }

    /**
     * Reads and drops what the sender is still writing of a refused tensor, for a second at most,
     * so that it can finish its write and read the refusal rather than see the connection reset.
     */
    private static void discard(DataInputStream in, long bytes) {
        long deadline = System.nanoTime() + 1_000_000_000L;
        byte[] sink = new byte[64 * 1024];
        try {
            for (long left = bytes; left > 0 && System.nanoTime() < deadline; ) {
                int n = in.read(sink, 0, (int) Math.min(sink.length, left));
                if (n < 0) {
                    return;
                }
                left -= n;
            }
        } catch (IOException ignored) {
            // the sender gave up
        }
    }

    private static void refuse(TlsConnection conn, String reason) {
        try {
            byte[] r = reason.getBytes(StandardCharsets.UTF_8);
            int n = Math.min(r.length, 4096);
            conn.write(ByteBuffer.wrap(new byte[] {BulkWire.REFUSED, (byte) (n >>> 8), (byte) n}));
            conn.write(ByteBuffer.wrap(r, 0, n));
            conn.flush();
        } catch (IOException ignored) {
            // the peer is gone
        }
    }

    private static void closeQuietly(SocketChannel s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
        open.forEach(BulkTensorServer::closeQuietly);
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** For tests: connections being served now. */
    int openConnections() {
        return open.size();
    }
}
