package dev.mycel.bench.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.ForgedCertificates;
import dev.mycel.net.tls.PeerCertificate;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.tls.TlsInteropTest;
import dev.mycel.net.transport.Caller;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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

    /** Native memory at both ends: a direct source, and a receiver that reads every tensor into one reused direct buffer. */
    @Test
    void tensorsInNativeMemoryArriveBitExactInTheReceiversOwnBuffer() throws Exception {
        List<String> hashes = new CopyOnWriteArrayList<>();
        ByteBuffer own = ByteBuffer.allocateDirect(4 << 20);
        TensorHandler intoOwn = new TensorHandler() {
            @Override
            public ByteBuffer destination(Caller caller, String dtype, long[] shape, int bytes) {
                return own.clear().limit(bytes);
            }

            @Override
            public void accept(Caller caller, TensorFrame tensor) throws Exception {
                assertTrue(tensor.data().isDirect());
                hashes.add(sha256(tensor.data()));
            }
        };
        SplittableRandom random = new SplittableRandom(11);
        List<String> sent = new java.util.ArrayList<>();
        try (BulkTensorServer nativeBulk = BulkTensorServer.start(new TlsContexts(server), new InetSocketAddress("127.0.0.1", 0),
                TransferLimits.defaults(), intoOwn, 2, Duration.ofSeconds(5), Duration.ofSeconds(5));
             BulkTensorClient c = BulkTensorClient.connect(new TlsContexts(client), server.peerId(), "127.0.0.1",
                     nativeBulk.port(), Duration.ofSeconds(5))) {
            for (int size : new int[] {3 << 20, 17, 1 << 20, 4 << 20}) {
                byte[] b = new byte[size];
                random.nextBytes(b);
                ByteBuffer direct = ByteBuffer.allocateDirect(size).put(b).flip();
                c.send(new TensorFrame("u8", new long[] {size}, direct));
                sent.add(sha256(ByteBuffer.wrap(b)));
            }
        }
        assertEquals(sent, hashes);
    }

    @Test
    void aReceiverBufferOfTheWrongSizeRefusesTheTensorWithAReason() throws Exception {
        TensorHandler wrong = new TensorHandler() {
            @Override
            public ByteBuffer destination(Caller caller, String dtype, long[] shape, int bytes) {
                return ByteBuffer.allocate(bytes - 1);
            }

            @Override
            public void accept(Caller caller, TensorFrame tensor) {
                throw new AssertionError("nothing should arrive");
            }
        };
        try (BulkTensorServer broken = BulkTensorServer.start(new TlsContexts(server), new InetSocketAddress("127.0.0.1", 0),
                TransferLimits.defaults(), wrong, 2, Duration.ofSeconds(5), Duration.ofSeconds(5));
             BulkTensorClient c = BulkTensorClient.connect(new TlsContexts(client), server.peerId(), "127.0.0.1",
                     broken.port(), Duration.ofSeconds(5))) {
            IOException e = assertThrows(IOException.class, () -> c.send(TensorFrame.ofFloats(new float[] {1, 2, 3}, 3)));
            assertTrue(e.getMessage().contains("could not take a tensor of 12 bytes"), e.getMessage());
        }
    }

    private static String sha256(ByteBuffer b) throws Exception {
        java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
        d.update(b.duplicate());
        return java.util.HexFormat.of().formatHex(d.digest());
    }

    @Test
    void garbageGetsAReasonAndTheConnectionEnds() throws Exception {
        // A plain JDK SSLSocket as the client: it also shows what the handshake agreed on.
        SSLSocket s = (SSLSocket) new TlsContexts(client).jdkContext(server.peerId()).getSocketFactory()
                .createSocket("127.0.0.1", bulk.port());
        try (s) {
            s.setSoTimeout(5000);
            s.setEnabledProtocols(TlsContexts.protocols());
            s.setEnabledCipherSuites(TlsContexts.ciphers());
            s.startHandshake();
            assertEquals("TLSv1.3", s.getSession().getProtocol());
            assertEquals("TLS_AES_128_GCM_SHA256", s.getSession().getCipherSuite());
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

    @Test
    void aServerThatIsNotWhoWeDialIsNamedInTheError() {
        var other = NodeIdentity.generate().peerId();
        IOException e = assertThrows(IOException.class, () -> BulkTensorClient.connect(new TlsContexts(client), other,
                "127.0.0.1", bulk.port(), Duration.ofSeconds(5)));
        assertTrue(causes(e).contains("expected peer " + other), causes(e));
    }

    @Test
    void anImpostorServerWithACopiedExtensionIsRefusedForItsSignature() throws IOException {
        NodeIdentity victim = NodeIdentity.generate();
        try (BulkTensorServer fake = BulkTensorServer.start(new TlsContexts(ForgedCertificates.copiedExtension(victim)),
                new InetSocketAddress("127.0.0.1", 0), TransferLimits.defaults(), (caller, t) -> { }, 4,
                Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            IOException e = assertThrows(IOException.class, () -> BulkTensorClient.connect(new TlsContexts(client),
                    victim.peerId(), "127.0.0.1", fake.port(), Duration.ofSeconds(5)));
            assertTrue(causes(e).contains("does not verify"), causes(e));
        }
    }

    private static String causes(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(t).append(" / ");
        }
        return b.toString();
    }

    @ParameterizedTest(name = "server {0}, client {1}")
    @CsvSource({"OPENSSL, JDK", "JDK, OPENSSL", "JDK, JDK"})
    void providersInteroperate(String serverProvider, String clientProvider) throws IOException {
        assumeTrue(OpenSsl.isAvailable(), "BoringSSL does not load here");
        List<Object[]> taken = new CopyOnWriteArrayList<>();
        try (BulkTensorServer other = BulkTensorServer.start(TlsInteropTest.tls(server, serverProvider),
                new InetSocketAddress("127.0.0.1", 0), TransferLimits.defaults().withMaxTensorBytes(8 << 20),
                (caller, t) -> taken.add(new Object[] {caller.peer(), t}), 4, Duration.ofSeconds(5), Duration.ofSeconds(5));
             BulkTensorClient c = BulkTensorClient.connect(TlsInteropTest.tls(client, clientProvider), server.peerId(),
                     "127.0.0.1", other.port(), Duration.ofSeconds(5))) {
            byte[] bytes = new byte[3 << 20];
            new SplittableRandom(9).nextBytes(bytes);
            for (int i = 0; i < 3; i++) {
                c.send(new TensorFrame("u8", new long[] {bytes.length - i}, ByteBuffer.wrap(bytes, 0, bytes.length - i)));
                assertEquals(ByteBuffer.wrap(bytes, 0, bytes.length - i), ((TensorFrame) taken.get(i)[1]).data());
                assertEquals(client.peerId(), taken.get(i)[0]);
            }
        }
    }

    @Test
    void silentOrStalledConnectionsAreClosedAfterTheirTimeouts() throws Exception {
        try (BulkTensorServer strict = BulkTensorServer.start(new TlsContexts(server), new InetSocketAddress("127.0.0.1", 0),
                TransferLimits.defaults(), (caller, t) -> got.add(new Object[] {caller.peer(), t}), 4,
                Duration.ofMillis(300), Duration.ofMillis(300))) {
            // No handshake at all.
            try (Socket silent = new Socket("127.0.0.1", strict.port())) {
                silent.setSoTimeout(5000);
                assertEquals(-1, silent.getInputStream().read());
            }
            // A handshake, then half a header and nothing more: a reason would need a whole header,
            // so the connection just ends.
            SSLSocket s = (SSLSocket) new TlsContexts(client).jdkContext(server.peerId()).getSocketFactory()
                    .createSocket("127.0.0.1", strict.port());
            try (s) {
                s.setSoTimeout(5000);
                s.getOutputStream().write(new byte[] {'M', 'Y'});
                s.getOutputStream().flush();
                InputStream in = s.getInputStream();
                long t0 = System.nanoTime();
                assertEquals(-1, in.read());
                assertTrue(System.nanoTime() - t0 < 4_000_000_000L);
            }
            for (int i = 0; i < 50 && strict.openConnections() > 0; i++) {
                Thread.sleep(20);
            }
            assertEquals(0, strict.openConnections());
        }
        assertEquals(0, got.size());
    }
}
