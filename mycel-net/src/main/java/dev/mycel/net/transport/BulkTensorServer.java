package dev.mycel.net.transport;

import dev.mycel.net.identity.PeerId;
import dev.mycel.net.tls.PeerTrustManager;
import dev.mycel.net.tls.TlsContexts;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.logging.Logger;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * Receives bulk tensors on a TLS 1.3 socket of its own, outside gRPC: the same mutual
 * authentication (the peer proves the key behind its id), no HTTP/2 framing and no extra copies,
 * because gRPC's path costs several times the CPU per byte of a plain socket (see
 * docs/BENCHMARKS.md). Every tensor's size is checked against the limit before anything is
 * allocated; a bad stream gets its reason and is closed; connections are bounded in number and
 * idle time, and each runs on its own virtual thread.
 */
public final class BulkTensorServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BulkTensorServer.class.getName());
    private final SSLServerSocket socket;
    private final TransferLimits limits;
    private final TensorHandler handler;
    private final Duration handshakeTimeout;
    private final Duration idleTimeout;
    private final Semaphore slots;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    private BulkTensorServer(SSLServerSocket socket, TransferLimits limits, TensorHandler handler, int maxConnections,
                             Duration handshakeTimeout, Duration idleTimeout) {
        this.socket = socket;
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
        SSLServerSocket s = (SSLServerSocket) tls.jdkContext(null).getServerSocketFactory().createServerSocket();
        s.setEnabledProtocols(TlsContexts.protocols());
        s.setEnabledCipherSuites(TlsContexts.ciphers());
        s.setNeedClientAuth(true);
        s.setReuseAddress(true);
        s.bind(bind, 64);
        return new BulkTensorServer(s, limits, handler, maxConnections, handshakeTimeout, idleTimeout);
    }

    public int port() {
        return socket.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
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
            Thread.ofVirtual().name("bulk-conn").start(() -> {
                try {
                    serve((SSLSocket) s);
                } finally {
                    open.remove(s);
                    closeQuietly(s);
                    slots.release();
                }
            });
        }
    }

    private void serve(SSLSocket s) {
        PeerId peer;
        OutputStream out;
        try {
            s.setSoTimeout((int) handshakeTimeout.toMillis());
            s.setTcpNoDelay(true);
            s.startHandshake();
            peer = PeerTrustManager.verify(chain(s));
            s.setSoTimeout((int) idleTimeout.toMillis());
            out = s.getOutputStream();
        } catch (IOException | CertificateException e) {
            LOG.fine(() -> "bulk handshake failed: " + e.getMessage());
            return;
        }
        Caller caller = new Caller(peer, s.getInetAddress().getHostAddress(), 0);
        // Not try-with-resources: closing the stream would close the socket before a refusal
        // could be written; the caller closes the socket when this returns.
        DataInputStream in;
        try {
            in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 64 * 1024));
        } catch (IOException e) {
            return;
        }
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
                    refuse(out, e.getMessage());
                    return;
                }
                if (bytes > limits.maxTensorBytes()) {
                    refuse(out, "a tensor of " + bytes + " bytes exceeds the limit of " + limits.maxTensorBytes());
                    discard(in, bytes);
                    return;
                }
                byte[] data = new byte[Math.toIntExact(bytes)];
                BulkWire.readFully(in, data);
                try {
                    handler.accept(caller, new TensorFrame(h.dtype(), h.shape(), ByteBuffer.wrap(data)));
                } catch (Exception e) {
                    refuse(out, "the receiver refused the tensor: " + e.getMessage());
                    return;
                }
                out.write(BulkWire.OK);
                out.flush();
            }
        } catch (BulkWire.BulkException e) {
            refuse(out, e.getMessage());
        } catch (IOException e) {
            LOG.fine(() -> "bulk connection from " + peer.shortString() + " ended: " + e.getMessage());
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

    private static X509Certificate[] chain(SSLSocket s) throws IOException {
        var certs = s.getSession().getPeerCertificates();
        X509Certificate[] chain = new X509Certificate[certs.length];
        for (int i = 0; i < certs.length; i++) {
            chain[i] = (X509Certificate) certs[i];
        }
        return chain;
    }

    private static void refuse(OutputStream out, String reason) {
        try {
            byte[] r = reason.getBytes(StandardCharsets.UTF_8);
            int n = Math.min(r.length, 4096);
            out.write(new byte[] {BulkWire.REFUSED, (byte) (n >>> 8), (byte) n});
            out.write(r, 0, n);
            out.flush();
        } catch (IOException ignored) {
            // the peer is gone
        }
    }

    private static void closeQuietly(Socket s) {
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
