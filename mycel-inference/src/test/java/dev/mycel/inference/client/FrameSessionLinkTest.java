package dev.mycel.inference.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.inference.proto.Opened;
import dev.mycel.inference.proto.ServerInfo;
import dev.mycel.inference.proto.SessionRequest;
import dev.mycel.inference.proto.SessionResponse;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.FrameConnection;
import dev.mycel.net.transport.frame.FrameLimits;
import dev.mycel.net.transport.frame.FrameServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A session link on the frame socket runs the caller's arrival hook once per answer, after the
 * answer has started to arrive and before it is handed back, and still reports every failure as
 * a hop failure.
 */
class FrameSessionLinkTest {
    private static final String PROTOCOL = "mycel/test-session/1";
    private final NodeIdentity server = NodeIdentity.generate();
    private final NodeIdentity client = NodeIdentity.generate();
    private FrameServer frames;

    /** Answers "open" with a ticket after {@code delayMs}, "accept" with bytes that are no message, and hangs up on anything else. */
    @BeforeEach
    void start() throws IOException {
        frames = FrameServer.start(new TlsContexts(server), new InetSocketAddress("127.0.0.1", 0), Map.of(PROTOCOL, c -> {
            for (byte[] f; (f = c.read()) != null; ) {
                SessionRequest r = SessionRequest.parseFrom(f);
                if (r.hasOpen()) {
                    try {
                        Thread.sleep(r.getOpen().getMaxPositions());
                    } catch (InterruptedException e) {
                        return;
                    }
                    c.write(SessionResponse.newBuilder().setOpened(Opened.newBuilder()
                            .setTicket(com.google.protobuf.ByteString.copyFromUtf8("t" + r.getOpen().getFirst()))).build());
                } else if (r.hasAccept()) {
                    c.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
                } else {
                    return;
                }
            }
        }), FrameLimits.defaults());
    }

    @AfterEach
    void stop() {
        frames.close();
    }

    private FrameSessionLink link() throws IOException {
        FrameConnection conn = FrameConnection.connect(new TlsContexts(client), server.peerId(), "127.0.0.1",
                frames.port(), PROTOCOL, 1 << 20, Duration.ofSeconds(5));
        ServerEntry entry = new ServerEntry(server.peerId(), "127.0.0.1", frames.port(), ServerInfo.getDefaultInstance());
        return new FrameSessionLink(new Hop(entry, 0, 1), conn);
    }

    private static SessionRequest open(int first, int delayMs) {
        return SessionRequest.newBuilder().setOpen(dev.mycel.inference.proto.Open.newBuilder().setFirst(first)
                .setMaxPositions(delayMs)).build();
    }

    @Test
    void theHookRunsOncePerAnswerAfterItStartsArriving() throws IOException {
        try (FrameSessionLink link = link()) {
            List<Long> hooks = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int delay = i % 2 == 0 ? 0 : 100;
                long sent = System.nanoTime();
                link.send(open(i, delay));
                SessionResponse r = link.receive(() -> hooks.add(System.nanoTime() - sent));
                assertEquals("t" + i, r.getOpened().getTicket().toStringUtf8());
                assertEquals(i + 1, hooks.size());
                if (delay > 0) {
                    assertTrue(hooks.get(i) >= delay * 1_000_000L, "ran " + hooks.get(i) / 1000 + " us after sending, "
                            + "before the answer could have come");
                }
            }
            link.send(open(9, 0));
            assertEquals("t9", link.receive().getOpened().getTicket().toStringUtf8(), "the plain receive still works");
        }
    }

    @Test
    void failuresAfterTheHookAreHopFailures() throws IOException {
        try (FrameSessionLink link = link()) {
            int[] hooks = new int[1];
            link.send(SessionRequest.newBuilder().setAccept(dev.mycel.inference.proto.Accept.getDefaultInstance()).build());
            HopFailedException bad = assertThrows(HopFailedException.class, () -> link.receive(() -> hooks[0]++));
            assertTrue(bad.getMessage().contains("malformed"), bad.getMessage());
            assertEquals(1, hooks[0]);
        }
        try (FrameSessionLink link = link()) {
            int[] hooks = new int[1];
            link.send(SessionRequest.getDefaultInstance());
            HopFailedException gone = assertThrows(HopFailedException.class, () -> link.receive(() -> hooks[0]++));
            assertTrue(gone.getMessage().contains("UNAVAILABLE"), gone.getMessage());
            assertEquals(1, hooks[0], "the end of the stream is an arrival too");
            assertThrows(HopFailedException.class, () -> link.receive(() -> hooks[0]++));
            assertEquals(1, hooks[0], "a closed link runs no hook");
        }
    }
}
