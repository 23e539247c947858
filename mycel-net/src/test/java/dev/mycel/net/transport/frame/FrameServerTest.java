package dev.mycel.net.transport.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.tls.TlsContexts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Framed message streams on their own TLS socket: round trips, the caller's proven id, and refusals. */
class FrameServerTest {
    private static final String ECHO = "mycel/test-echo/1";
    private final NodeIdentity server = NodeIdentity.generate();
    private final NodeIdentity client = NodeIdentity.generate();
    private final List<PeerId> callers = new CopyOnWriteArrayList<>();
    private final List<Throwable> handlerErrors = new CopyOnWriteArrayList<>();
    private FrameServer frames;

    @BeforeEach
    void start() throws IOException {
        frames = FrameServer.start(new TlsContexts(server), new InetSocketAddress("127.0.0.1", 0), Map.of(ECHO, c -> {
            callers.add(c.caller().peer());
            try {
                for (byte[] f; (f = c.read()) != null; ) {
                    c.write(f);
                }
            } catch (IOException e) {
                handlerErrors.add(e);
                throw e;
            }
        }), new FrameLimits(64 * 1024, 8, 3, Duration.ofSeconds(5), Duration.ofSeconds(5)));
    }

    @AfterEach
    void stop() {
        frames.close();
    }

    private FrameConnection connect(NodeIdentity who, String protocol) throws IOException {
        return FrameConnection.connect(new TlsContexts(who), server.peerId(), "127.0.0.1", frames.port(), protocol,
                64 * 1024, Duration.ofSeconds(5));
    }

    @Test
    void framesComeBackBitExactAndTheServerSeesTheProvenCaller() throws IOException {
        SplittableRandom random = new SplittableRandom(5);
        try (FrameConnection c = connect(client, ECHO)) {
            assertEquals(server.peerId(), c.peer());
            for (int size : new int[] {0, 1, 3, 8192, 16_000, 64 * 1024}) {
                byte[] f = new byte[size];
                random.nextBytes(f);
                c.write(f);
                assertArrayEquals(f, c.read());
            }
        }
        assertEquals(List.of(client.peerId()), callers);
    }

    /**
     * Messages serialised straight into the outgoing buffer arrive as their own encoding, mixed
     * with frames written as arrays (the buffer grows between them); one over the limit is refused
     * before anything is sent, and the connection goes on.
     */
    @Test
    void messagesArriveAsTheirEncodingAndOneOverTheLimitIsRefused() throws IOException {
        SplittableRandom random = new SplittableRandom(11);
        try (FrameConnection c = connect(client, ECHO)) {
            for (int size : new int[] {0, 1, 8192, 3, 40_000, 64 * 1024 - 8}) {
                byte[] b = new byte[size];
                random.nextBytes(b);
                com.google.protobuf.BytesValue m = com.google.protobuf.BytesValue.of(com.google.protobuf.ByteString.copyFrom(b));
                c.write(m);
                assertArrayEquals(m.toByteArray(), c.read());
                c.write(b);
                assertArrayEquals(b, c.read());
            }
            com.google.protobuf.BytesValue big = com.google.protobuf.BytesValue.of(
                    com.google.protobuf.ByteString.copyFrom(new byte[64 * 1024]));
            assertThrows(FrameConnection.FrameTooLargeException.class, () -> c.write(big));
            c.write(new byte[] {4, 2});
            assertArrayEquals(new byte[] {4, 2}, c.read());
        }
    }

    /**
     * Several threads write frames on one connection while another thread is blocked reading it
     * (as a block server answers one client from several connections' threads): every frame
     * arrives whole and unchanged, none lost or interleaved with another.
     */
    @Test
    void framesWrittenFromSeveralThreadsWhileOneReadsArriveWhole() throws Exception {
        int writers = 3;
        int each = 150;
        try (FrameConnection c = connect(client, ECHO)) {
            java.util.Set<String> sent = java.util.concurrent.ConcurrentHashMap.newKeySet();
            java.util.Set<String> got = java.util.concurrent.ConcurrentHashMap.newKeySet();
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < writers * each; i++) {
                        got.add(java.util.HexFormat.of().formatHex(c.read()));
                    }
                } catch (IOException e) {
                    handlerErrors.add(e);
                }
            });
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                long seed = w;
                threads.add(Thread.ofPlatform().start(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    try {
                        for (int i = 0; i < each; i++) {
                            byte[] f = new byte[8 + random.nextInt(20_000)];
                            random.nextBytes(f);
                            f[0] = (byte) seed;
                            f[1] = (byte) i;
                            sent.add(java.util.HexFormat.of().formatHex(f));
                            c.write(f);
                        }
                    } catch (IOException e) {
                        handlerErrors.add(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join(20_000);
            }
            reader.join(20_000);
            assertEquals(List.of(), handlerErrors);
            assertEquals(writers * each, sent.size());
            assertEquals(sent, got);
        }
    }

    /** Waiting for a frame with a time limit leaves the connection open when none comes. */
    @Test
    void awaitingAFrameThatDoesNotComeLeavesTheConnectionOpen() throws IOException {
        try (FrameConnection c = connect(client, ECHO)) {
            assertEquals(false, c.awaitFrame(Duration.ofMillis(50)));
            c.write(new byte[] {7, 8});
            assertTrue(c.awaitFrame(Duration.ofSeconds(5)));
            assertTrue(c.awaitFrame(Duration.ofMillis(1)), "what arrived is kept for the read");
            assertArrayEquals(new byte[] {7, 8}, c.read());
            assertEquals(false, c.awaitFrame(Duration.ofMillis(50)));
            c.write(new byte[] {9});
            assertArrayEquals(new byte[] {9}, c.read());
        }
    }

    /**
     * Waiting without a limit returns once a frame starts arriving, not before, and leaves all of
     * it, however many TLS records it spans, for the read; past the last frame it returns at the
     * stream's end, which the read then reports.
     */
    @Test
    void awaitingAFrameReturnsWhenItStartsArrivingAndKeepsItForTheRead() throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        try (FrameConnection c = connect(client, ECHO)) {
            for (int size : new int[] {1, 4096, 16_384, 60_000}) {
                byte[] f = new byte[size];
                random.nextBytes(f);
                c.write(f);
                c.awaitFrame();
                c.awaitFrame(); // again: what arrived is still there, so it returns at once
                assertArrayEquals(f, c.read());
            }
            java.util.concurrent.atomic.AtomicLong sentAt = new java.util.concurrent.atomic.AtomicLong();
            Thread late = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(200);
                    sentAt.set(System.nanoTime());
                    c.write(new byte[] {5});
                } catch (IOException | InterruptedException e) {
                    handlerErrors.add(e);
                }
            });
            c.awaitFrame();
            long returnedAt = System.nanoTime();
            late.join(5_000);
            assertTrue(sentAt.get() != 0 && returnedAt - sentAt.get() > 0, "returned before the frame was sent");
            assertArrayEquals(new byte[] {5}, c.read());
            assertEquals(List.of(), handlerErrors);
        }
        FrameServer once = FrameServer.start(new TlsContexts(server), new InetSocketAddress("127.0.0.1", 0),
                Map.of(ECHO, c -> c.write(c.read())), FrameLimits.defaults());
        try (once; FrameConnection c = FrameConnection.connect(new TlsContexts(client), server.peerId(), "127.0.0.1",
                once.port(), ECHO, 1024, Duration.ofSeconds(5))) {
            c.write(new byte[] {3});
            c.awaitFrame();
            assertArrayEquals(new byte[] {3}, c.read());
            c.awaitFrame(); // the server hung up after its one answer
            assertNull(c.read());
        }
    }

    @Test
    void unknownProtocolIsRefusedWithTheProtocolsSpoken() {
        IOException e = assertThrows(IOException.class, () -> connect(client, "mycel/nothing/9"));
        assertTrue(e.getMessage().contains("does not speak mycel/nothing/9") && e.getMessage().contains(ECHO), e.getMessage());
    }

    @Test
    void aServerWithAnotherIdIsRefused() {
        assertThrows(IOException.class, () -> FrameConnection.connect(new TlsContexts(client),
                NodeIdentity.generate().peerId(), "127.0.0.1", frames.port(), ECHO, 1024, Duration.ofSeconds(5)));
    }

    @Test
    void oversizedFrameEndsOnlyItsConnection() throws Exception {
        try (FrameConnection big = FrameConnection.connect(new TlsContexts(client), server.peerId(), "127.0.0.1",
                frames.port(), ECHO, 1 << 20, Duration.ofSeconds(5));
             FrameConnection other = connect(NodeIdentity.generate(), ECHO)) {
            big.write(new byte[100 * 1024]);
            // The server never reads the frame's body: it ends the connection after the header.
            assertThrows(IOException.class, () -> {
                for (int i = 0; i < 100; i++) {
                    if (big.read() == null) {
                        throw new IOException("closed");
                    }
                }
            });
            other.write(new byte[] {7});
            assertArrayEquals(new byte[] {7}, other.read());
        }
        assertTrue(handlerErrors.stream().anyMatch(t -> t instanceof FrameConnection.FrameTooLargeException
                && t.getMessage().contains("exceeds the limit of 65536")), handlerErrors.toString());
    }

    @Test
    void aClientRefusesToSendAFrameOverItsOwnLimit() throws IOException {
        try (FrameConnection c = connect(client, ECHO)) {
            assertThrows(FrameConnection.FrameTooLargeException.class, () -> c.write(new byte[64 * 1024 + 1]));
            c.write(new byte[] {1, 2});
            assertArrayEquals(new byte[] {1, 2}, c.read());
        }
    }

    @Test
    void onePeerHoldsAtMostItsShareOfConnections() throws IOException {
        List<FrameConnection> mine = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                mine.add(connect(client, ECHO));
            }
            // The fourth is closed after the handshake, before the preamble is answered.
            assertThrows(IOException.class, () -> connect(client, ECHO).close());
            try (FrameConnection someoneElse = connect(NodeIdentity.generate(), ECHO)) {
                someoneElse.write(new byte[] {9});
                assertArrayEquals(new byte[] {9}, someoneElse.read());
            }
        } finally {
            mine.forEach(FrameConnection::close);
        }
    }

    @Test
    void aCleanCloseBetweenFramesReadsAsTheEnd() throws Exception {
        FrameServer oneShot = FrameServer.start(new TlsContexts(server), new InetSocketAddress("127.0.0.1", 0),
                Map.of(ECHO, c -> c.write(new byte[] {42})), FrameLimits.defaults());
        try (oneShot; FrameConnection c = FrameConnection.connect(new TlsContexts(client), server.peerId(), "127.0.0.1",
                oneShot.port(), ECHO, 1024, Duration.ofSeconds(5))) {
            assertArrayEquals(new byte[] {42}, c.read());
            assertNull(c.read());
        }
    }

    @Test
    void aStalledPeerIsCutAfterTheIdleTimeout() throws Exception {
        FrameServer quick = FrameServer.start(new TlsContexts(server), new InetSocketAddress("127.0.0.1", 0),
                Map.of(ECHO, c -> {
                    c.read();
                }), FrameLimits.defaults().withIdleTimeout(Duration.ofMillis(300)));
        try (quick; FrameConnection c = FrameConnection.connect(new TlsContexts(client), server.peerId(), "127.0.0.1",
                quick.port(), ECHO, 1024, Duration.ofSeconds(5))) {
            long t0 = System.nanoTime();
            assertNull(readOrNull(c));
            assertTrue(System.nanoTime() - t0 < 4_000_000_000L, "the server should have hung up after 300 ms");
        }
    }

    /** A TLS connection to the frame server that skips the protocol preamble's client side. */
    private TlsConnection rawConnection(FrameServer to) throws IOException {
        java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(new InetSocketAddress("127.0.0.1", to.port()));
        return TlsConnection.open(ch, new TlsContexts(client).plainClient(server.peerId()), true, Duration.ofSeconds(5));
    }

    @Test
    void aPreambleThatIsNotMycelsIsRefusedWithItsReason() throws IOException {
        try (TlsConnection c = rawConnection(frames)) {
            c.write(java.nio.ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            c.flush();
            assertEquals(1, c.read()); // refused
            java.nio.ByteBuffer len = java.nio.ByteBuffer.allocate(2);
            c.readFully(len);
            byte[] reason = new byte[len.getShort(0)];
            c.readFully(java.nio.ByteBuffer.wrap(reason));
            assertEquals("not a Mycel frame stream (bad preamble)", new String(reason, java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void aPeerThatNeverSendsItsPreambleIsCutAfterTheHandshakeTimeout() throws Exception {
        FrameServer strict = FrameServer.start(new TlsContexts(server), new InetSocketAddress("127.0.0.1", 0),
                Map.of(ECHO, c -> c.read()), new FrameLimits(1024, 4, 4, Duration.ofMillis(300), Duration.ofMinutes(5)));
        try (strict; TlsConnection c = rawConnection(strict)) {
            long t0 = System.nanoTime();
            int got;
            try {
                got = c.read();
            } catch (IOException cut) {
                got = -1;
            }
            assertEquals(-1, got);
            assertTrue(System.nanoTime() - t0 < 4_000_000_000L, "the server should have hung up after 300 ms");
        }
    }

    private static byte[] readOrNull(FrameConnection c) {
        try {
            return c.read();
        } catch (IOException e) {
            return null;
        }
    }
}
