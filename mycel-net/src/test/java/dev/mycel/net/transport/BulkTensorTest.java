package dev.mycel.net.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.ForgedCertificates;
import dev.mycel.net.tls.PeerCertificate;
import dev.mycel.net.tls.TlsContexts;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bulk tensors on their own TLS connection: bit-exact delivery, the caller's proven id, and refusals. */
class BulkTensorTest {
    private final NodeIdentity server = NodeIdentity.generate();
    private final NodeIdentity client = NodeIdentity.generate();
    private final List<Object[]> got = new CopyOnWriteArrayList<>();
    private BulkTensorServer bulk;

    @BeforeEach
    void start() throws IOException {
        bulk = BulkTensorServer.start(new TlsContexts(server), new InetSocketAddress("127.0.0.1", 0),
                TransferLimits.defaults().withMaxTensorBytes(8 << 20), (caller, t) -> got.add(new Object[] {caller.peer(), t}),
                4, Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        bulk.close();
    }

    private BulkTensorClient connect(NodeIdentity who) throws IOException {
        return BulkTensorClient.connect(new TlsContexts(who), server.peerId(), "127.0.0.1", bulk.port(), Duration.ofSeconds(5));
    }

    @Test
    void tensorsArriveBitExactWithTheSendersProvenId() throws IOException {
        SplittableRandom random = new SplittableRandom(3);
        try (BulkTensorClient c = connect(client)) {
            for (int i = 0; i < 5; i++) {
                int rows = 1 + random.nextInt(300);
                float[] v = new float[rows * 64];
                for (int j = 0; j < v.length; j++) {
                    v[j] = (float) random.nextGaussian();
                }
                TensorFrame t = TensorFrame.ofFloats(v, rows, 64);
                c.send(t);
                assertEquals(t, got.get(i)[1]);
                assertEquals(client.peerId(), got.get(i)[0]);
            }
            byte[] bytes = new byte[1 << 20];
            random.nextBytes(bytes);
            c.send(new TensorFrame("u8", new long[] {bytes.length}, ByteBuffer.wrap(bytes)));
            assertEquals(ByteBuffer.wrap(bytes), ((TensorFrame) got.getLast()[1]).data());
        }
    }

    @Test
    void oversizedTensorIsRefusedAndOthersAreStillServed() throws IOException {
        try (BulkTensorClient c = connect(client)) {
            IOException e = assertThrows(IOException.class, () -> c.send(new TensorFrame("f32", new long[] {3 << 20},
                    ByteBuffer.allocate(12 << 20))));
            assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
        }
        try (BulkTensorClient other = connect(NodeIdentity.generate())) {
            other.send(TensorFrame.ofFloats(new float[] {1, 2}, 2));
        }
        assertEquals(1, got.size());
    }

    @Test
    void garbageGetsAReasonAndTheConnectionEnds() throws Exception {
        SSLSocket s = (SSLSocket) new TlsContexts(client).jdkContext(server.peerId()).getSocketFactory()
                .createSocket("127.0.0.1", bulk.port());
        try (s) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\n\r\n".getBytes());
            out.flush();
            assertEquals(1, s.getInputStream().read());
            byte[] rest = s.getInputStream().readAllBytes();
            assertTrue(new String(rest, 2, rest.length - 2).contains("bad magic"));
        }
    }

    @Test
    void aServerWithAnotherIdIsRefusedAndSoIsAForgedClient() {
        assertThrows(IOException.class, () -> BulkTensorClient.connect(new TlsContexts(client), NodeIdentity.generate().peerId(),
                "127.0.0.1", bulk.port(), Duration.ofSeconds(5)));
        NodeIdentity victim = NodeIdentity.generate();
        for (PeerCertificate forged : List.of(ForgedCertificates.copiedExtension(victim), ForgedCertificates.stolen(victim))) {
            assertThrows(IOException.class, () -> {
                try (BulkTensorClient c = BulkTensorClient.connect(new TlsContexts(forged), server.peerId(), "127.0.0.1",
                        bulk.port(), Duration.ofSeconds(5))) {
                    c.send(TensorFrame.ofFloats(new float[] {1}, 1));
                }
            });
        }
        assertEquals(0, got.size());
    }
}
