package dev.mycel.bench.transfer;

import dev.mycel.net.identity.PeerId;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.TlsConnection;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Sends tensors to a peer's {@link BulkTensorServer}: one TLS 1.3 connection ({@link
 * TlsConnection}) that insists on the peer's id, tensors one after another, each acknowledged
 * before the next is sent (so a slow receiver slows the sender, and nothing queues without bound).
 */
public final class BulkTensorClient implements AutoCloseable {
    private final TlsConnection conn;
    private final DataInputStream in;

    private BulkTensorClient(TlsConnection conn) {
        this.conn = conn;
        this.in = new DataInputStream(conn.inputStream());
    }

    /** Connects and completes the handshake; {@code timeout} also bounds each later read or write. */
    public static BulkTensorClient connect(TlsContexts tls, PeerId peer, String host, int port, Duration timeout)
            throws IOException {
        var context = tls.plainClient(peer);
        SocketChannel s = SocketChannel.open();
        try {
            s.setOption(StandardSocketOptions.TCP_NODELAY, true);
            s.socket().connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            return new BulkTensorClient(TlsConnection.open(s, context, true, timeout));
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Sends one tensor and waits for the receiver to take it; a refusal is an IOException with its reason. */
    public synchronized void send(TensorFrame tensor) throws IOException {
        conn.write(ByteBuffer.wrap(BulkWire.header(tensor)));
        conn.write(tensor.data());
        conn.flush();
        int answer = in.read();
        if (answer == BulkWire.OK) {
            return;
        }
        if (answer == BulkWire.REFUSED) {
            int n = in.readUnsignedShort();
            byte[] reason = new byte[n];
            in.readFully(reason);
            throw new IOException("the peer refused the tensor: " + new String(reason, StandardCharsets.UTF_8));
        }
        throw new IOException("the peer closed the connection without taking the tensor");
    }

    @Override
    public synchronized void close() {
        conn.close();
    }
}
