package dev.mycel.inference.client;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.FrameConnection;
import dev.mycel.net.transport.frame.FrameLimits;
import dev.mycel.net.transport.frame.FrameServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Idle connections kept for the next session: handed out only while fresh and quiet, bounded per server. */
class FramePoolTest {
    private final NodeIdentity server = NodeIdentity.generate();
    private final TlsContexts me = new TlsContexts(NodeIdentity.generate());
    private final AtomicLong now = new AtomicLong(42);
    private final FramePool pool = new FramePool(now::get);
    /** The server answers a frame "bye" by closing the connection. */
    private FrameServer socket;

    @BeforeEach
    void start() throws Exception {
        socket = FrameServer.start(new TlsContexts(server), new InetSocketAddress("127.0.0.1", 0), Map.of("test/1", conn -> {
            for (byte[] f; (f = conn.read()) != null; ) {
                if (new String(f).equals("bye")) {
                    return;
                }
                conn.write(f);
            }
        }), FrameLimits.defaults());
    }

    @AfterEach
    void stop() {
        pool.close();
        socket.close();
    }

    private FrameConnection connect() throws Exception {
        return FrameConnection.connect(me, server.peerId(), "127.0.0.1", socket.port(), "test/1", 1 << 20, Duration.ofSeconds(5));
    }

    @Test
    void aQuietFreshConnectionIsHandedOutAgainAndStillWorks() throws Exception {
        FrameConnection c = connect();
        pool.give(server.peerId(), "127.0.0.1", socket.port(), c);
        assertNull(pool.take(server.peerId(), "127.0.0.1", socket.port() + 1), "another server's");
        FrameConnection again = pool.take(server.peerId(), "127.0.0.1", socket.port());
        assertSame(c, again);
        again.write("ping".getBytes());
        assertNotNull(again.read());
        assertNull(pool.take(server.peerId(), "127.0.0.1", socket.port()), "taken once");
        again.close();
    }

    @Test
    void aConnectionIdleTooLongIsClosedNotHandedOut() throws Exception {
        pool.give(server.peerId(), "127.0.0.1", socket.port(), connect());
        now.addAndGet(FramePool.IDLE.toNanos());
        assertNull(pool.take(server.peerId(), "127.0.0.1", socket.port()));
    }

    @Test
    void aConnectionTheServerClosedIsNotHandedOut() throws Exception {
        FrameConnection c = connect();
        c.write("bye".getBytes());
        // Wait until the close has arrived, as it would have during the idle time.
        CountDownLatch closed = new CountDownLatch(1);
        Thread.ofVirtual().start(() -> {
            try {
                c.awaitFrame(Duration.ofSeconds(5));
            } catch (Exception ignored) {
                // an end of stream is what we wait for
            }
            closed.countDown();
        }).join();
        pool.give(server.peerId(), "127.0.0.1", socket.port(), c);
        assertNull(pool.take(server.peerId(), "127.0.0.1", socket.port()));
    }

    @Test
    void atMostAFewAreKeptPerServerTheNewest() throws Exception {
        FrameConnection[] cs = new FrameConnection[FramePool.PER_SERVER + 1];
        for (int i = 0; i < cs.length; i++) {
            cs[i] = connect();
            pool.give(server.peerId(), "127.0.0.1", socket.port(), cs[i]);
        }
        for (int i = cs.length - 1; i >= 1; i--) {
            assertSame(cs[i], pool.take(server.peerId(), "127.0.0.1", socket.port()));
        }
        assertNull(pool.take(server.peerId(), "127.0.0.1", socket.port()), "the oldest was closed");
    }
}
