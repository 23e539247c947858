package dev.mycel.inference.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.mycel.inference.proto.Forward;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.FrameLimits;
import dev.mycel.net.transport.frame.FrameServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Pushes to the next server: connections opened off the compute path, kept, replaced when idle,
 * and capped in number of attempts. Connections are opened in line (a direct executor) and time
 * is a clock the tests advance, so nothing sleeps.
 */
class PushLinksTest {
    private final NodeIdentity me = NodeIdentity.generate();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    private PushLinks links() {
        return new PushLinks(new TlsContexts(me), 1 << 20, clock::get, Runnable::run);
    }

    private static Forward to(NodeIdentity who, int port) {
        return Forward.newBuilder().setHost("127.0.0.1").setPort(port).setPeer(ByteString.copyFrom(who.peerId().rawKey()))
                .setTicket(ByteString.copyFrom(new byte[16])).build();
    }

    @Test
    void theFirstPushStartsAConnectionAndLaterOnesArriveInOrder() throws Exception {
        NodeIdentity next = NodeIdentity.generate();
        LinkedBlockingQueue<byte[]> got = new LinkedBlockingQueue<>();
        List<String> from = new CopyOnWriteArrayList<>();
        try (FrameServer server = FrameServer.start(new TlsContexts(next), new InetSocketAddress("127.0.0.1", 0),
                Map.of(BlockService.PUSH_PROTOCOL, c -> {
                    from.add(c.caller().peer().toString());
                    for (byte[] f; (f = c.read()) != null; ) {
                        got.add(f);
                    }
                }), FrameLimits.defaults());
             PushLinks links = links()) {
            Forward f = to(next, server.port());
            // The first push is not sent: it starts the connection (here in line, in a server in the background).
            assertFalse(links.push(f, new byte[] {0}));
            assertTrue(links.push(f, new byte[] {1, 2, 3}), "the connection is up");
            assertTrue(links.push(f, new byte[] {4}));
            assertArrayEquals(new byte[] {1, 2, 3}, got.poll(10, TimeUnit.SECONDS));
            assertArrayEquals(new byte[] {4}, got.poll(10, TimeUnit.SECONDS));
            assertEquals(List.of(me.peerId().toString()), from, "one connection, from this server's identity");
            assertEquals(1, links.recentConnects());

            // Used within REUSE_WITHIN, the connection is kept; idle longer, it is replaced before the next push.
            clock.addAndGet(PushLinks.REUSE_WITHIN.toNanos());
            assertTrue(links.push(f, new byte[] {5}));
            assertArrayEquals(new byte[] {5}, got.poll(10, TimeUnit.SECONDS));
            assertEquals(1, from.size(), "the same connection");
            clock.addAndGet(PushLinks.REUSE_WITHIN.toNanos() + 1);
            assertFalse(links.push(f, new byte[] {6}), "an idle connection is not written to");
            assertTrue(links.push(f, new byte[] {7}));
            assertArrayEquals(new byte[] {7}, got.poll(10, TimeUnit.SECONDS));
            assertEquals(2, from.size(), "a new connection took the idle one's place");
            assertTrue(got.isEmpty());
        }
    }

    @Test
    void unreachableTargetsAreNotRetriedAtOnceAndAttemptsAreCapped() throws Exception {
        int[] closed = new int[PushLinks.CONNECTS_PER_MINUTE + 10];
        for (int i = 0; i < closed.length; i++) {
            try (ServerSocket probe = new ServerSocket(0)) {
                closed[i] = probe.getLocalPort();
            }
        }
        NodeIdentity nobody = NodeIdentity.generate();
        try (PushLinks links = links()) {
            for (int round = 0; round < 3; round++) {
                for (int port : closed) {
                    assertFalse(links.push(to(nobody, port), new byte[] {1}));
                }
                clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
            }
            assertEquals(PushLinks.CONNECTS_PER_MINUTE, links.recentConnects(), "capped per minute");
            // A minute after the first attempts the cap allows as many again, to targets not tried
            // yet or failed over 30 s ago.
            clock.addAndGet(TimeUnit.SECONDS.toNanos(58));
            for (int port : closed) {
                assertFalse(links.push(to(nobody, port), new byte[] {1}));
            }
            assertEquals(PushLinks.CONNECTS_PER_MINUTE, links.recentConnects(), "the old attempts left the window");
            // Within 30 s of failing, a target is not tried again even with attempts to spare.
            clock.addAndGet(TimeUnit.SECONDS.toNanos(61));
            for (int i = 0; i < 10; i++) {
                links.push(to(nobody, closed[(PushLinks.CONNECTS_PER_MINUTE + i) % closed.length]), new byte[] {1});
            }
            int tried = links.recentConnects();
            assertEquals(10, tried, "targets never tried are tried");
            clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
            for (int i = 0; i < 10; i++) {
                links.push(to(nobody, closed[(PushLinks.CONNECTS_PER_MINUTE + i) % closed.length]), new byte[] {1});
            }
            assertEquals(tried, links.recentConnects(), "failed targets retried within 30 s");
            // Malformed targets are refused before any attempt.
            assertFalse(links.push(to(nobody, 0), new byte[] {1}));
            assertFalse(links.push(to(nobody, 80).toBuilder().setPeer(ByteString.copyFrom(new byte[3])).build(),
                    new byte[] {1}));
        }
    }
}
