package dev.mycel.bench.transfer;

import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.Caller;
import dev.mycel.net.transport.frame.TlsAcceptor;
import dev.mycel.net.transport.frame.TlsConnection;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * Receives bulk tensors on a TLS 1.3 socket of its own, outside gRPC: the same mutual
 * authentication (the peer proves the key behind its id, see {@link TlsAcceptor}), no HTTP/2
 * framing and no extra copies, because gRPC's path costs several times the CPU per byte of a
 * plain socket (see docs/BENCHMARKS.md). TLS runs on {@link TlsConnection} (BoringSSL where it
 * loads). Every tensor's size is checked against the limit before anything is allocated; a bad
 * stream gets its reason and is closed.
 */
public final class BulkTensorServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BulkTensorServer.class.getName());
    private final TransferLimits limits;
    private final TensorHandler handler;
    private TlsAcceptor acceptor;

    private BulkTensorServer(TransferLimits limits, TensorHandler handler) {
        this.limits = limits;
        this.handler = handler;
    }

    public static BulkTensorServer start(TlsContexts tls, InetSocketAddress bind, TransferLimits limits,
                                         TensorHandler handler, int maxConnections, Duration handshakeTimeout,
                                         Duration idleTimeout) throws IOException {
        BulkTensorServer server = new BulkTensorServer(limits, handler);
        server.acceptor = TlsAcceptor.start(tls, bind, maxConnections, maxConnections, handshakeTimeout, idleTimeout,
                "bulk", server::serve);
        return server;
    }

    public int port() {
        return acceptor.port();
    }

    private void serve(TlsConnection conn, Caller caller) {
        DataInputStream in = new DataInputStream(conn.inputStream());
        try {
            while (!acceptor.closed()) {
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
                ByteBuffer data = handler.destination(caller, h.dtype(), h.shape(), Math.toIntExact(bytes));
                if (data.remaining() != bytes) {
                    LOG.warning("the tensor handler gave a buffer of " + data.remaining() + " bytes for " + bytes);
                    refuse(conn, "the receiver could not take a tensor of " + bytes + " bytes");
                    discard(in, bytes);
                    return;
                }
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

    @Override
    public void close() {
        acceptor.close();
    }

    /** For tests: connections being served now. */
    int openConnections() {
        return acceptor.openConnections();
    }
}
