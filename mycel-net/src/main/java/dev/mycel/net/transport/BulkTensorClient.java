package dev.mycel.net.transport;

import dev.mycel.net.identity.PeerId;
import dev.mycel.net.tls.TlsContexts;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLSocket;

/**
 * Sends tensors to a peer's {@link BulkTensorServer}: one TLS 1.3 connection that insists on the
 * peer's id, tensors one after another, each acknowledged before the next is sent (so a slow
 * receiver slows the sender, and nothing queues without bound).
 */
public final class BulkTensorClient implements AutoCloseable {
    private final SSLSocket socket;
    private final OutputStream out;
    private final DataInputStream in;

    private BulkTensorClient(SSLSocket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
    }

    public static BulkTensorClient connect(TlsContexts tls, PeerId peer, String host, int port, Duration timeout)
            throws IOException {
        SSLSocket s = (SSLSocket) tls.jdkContext(peer).getSocketFactory().createSocket();
        try {
            s.setEnabledProtocols(TlsContexts.protocols());
            s.setEnabledCipherSuites(TlsContexts.ciphers());
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            s.startHandshake();
            return new BulkTensorClient(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Sends one tensor and waits for the receiver to take it; a refusal is an IOException with its reason. */
    public void send(TensorFrame tensor) throws IOException {
        out.write(BulkWire.header(tensor));
        ByteBuffer data = tensor.data();
        if (data.hasArray()) {
            out.write(data.array(), data.arrayOffset() + data.position(), data.remaining());
        } else {
            byte[] copy = new byte[data.remaining()];
            data.duplicate().get(copy);
            out.write(copy);
        }
        out.flush();
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
    public void close() throws IOException {
        socket.close();
    }
}
