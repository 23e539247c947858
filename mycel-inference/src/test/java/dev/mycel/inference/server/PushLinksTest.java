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
import org.junit.jupiter.api.Test;

/** Pushes to the next server: connections opened off the compute path, kept, and capped in number of attempts. */
class PushLinksTest {
    private final NodeIdentity me = NodeIdentity.generate();

    private static Forward to(NodeIdentity who, int port) {
        return Forward.newBuilder().setHost("127.0.0.1").setPort(port).setPeer(ByteString.copyFrom(who.peerId().rawKey()))
                .setTicket(ByteString.copyFrom(new byte[16])).build();
    }

    @Test
    void theFirstPushStartsAConnectionAndLaterOnesArriveInOrder() throws Exception {
        NodeIdentity next = NodeIdentity.generate();
        List<byte[]> got = new CopyOnWriteArrayList<>();
        List<String> from = new CopyOnWriteArrayList<>();
        try (FrameServer server = FrameServer.start(new TlsContexts(next), new InetSocketAddress("127.0.0.1", 0),
                Map.of(BlockService.PUSH_PROTOCOL, c -> {
                    from.add(c.caller().peer().toString());
                    for (byte[] f; (f = c.read()) != null; ) {
                        got.add(f);
                    }
                }), FrameLimits.defaults());
             PushLinks links = new PushLinks(new TlsContexts(me), 1 << 20)) {
            Forward f = to(next, server.port());
            // Nothing waits for the connection: the first push is not sent, and starts it.
            assertFalse(links.push(f, new byte[] {0}));
            boolean sent = false;
            for (int i = 0; i < 500 && !sent; i++) {
                Thread.sleep(10);
                sent = links.push(f, new byte[] {1, 2, 3});
            }
            assertTrue(sent, "the connection came up");
            assertTrue(links.push(f, new byte[] {4}));
            for (int i = 0; i < 500 && got.size() < 2; i++) {
                Thread.sleep(10);
            }
            assertEquals(2, got.size());
            assertArrayEquals(new byte[] {1, 2, 3}, got.get(0));
            assertArrayEquals(new byte[] {4}, got.get(1));
            assertEquals(List.of(me.peerId().toString()), from, "one connection, from this server's identity");
            assertEquals(1, links.recentConnects());
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
        try (PushLinks links = new PushLinks(new TlsContexts(me), 1 << 20)) {
            for (int round = 0; round < 3; round++) {
                for (int port : closed) {
                    assertFalse(links.push(to(nobody, port), new byte[] {1}));
                }
                Thread.sleep(200);
            }
            assertEquals(PushLinks.CONNECTS_PER_MINUTE, links.recentConnects());
            // Malformed targets are refused before any attempt.
            assertFalse(links.push(to(nobody, 0), new byte[] {1}));
            assertFalse(links.push(to(nobody, 80).toBuilder().setPeer(ByteString.copyFrom(new byte[3])).build(),
                    new byte[] {1}));
        }
    }
}
