package dev.mycel.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.mycel.inference.proto.Accept;
import dev.mycel.inference.proto.BlockServerGrpc;
import dev.mycel.inference.proto.Forward;
import dev.mycel.inference.proto.Push;
import dev.mycel.inference.proto.InfoRequest;
import dev.mycel.inference.proto.Open;
import dev.mycel.inference.proto.SessionRequest;
import dev.mycel.inference.proto.SessionResponse;
import dev.mycel.inference.proto.Step;
import dev.mycel.inference.server.BlockService;
import dev.mycel.inference.server.ServedBlocks;
import dev.mycel.inference.server.ServerLimits;
import dev.mycel.model.testing.TestData;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.FrameConnection;
import dev.mycel.net.transport.frame.FrameLimits;
import dev.mycel.net.transport.frame.FrameServer;
import dev.mycel.net.transport.grpc.NetLimits;
import java.io.IOException;
import dev.mycel.net.transport.grpc.NetServer;
import dev.mycel.net.transport.grpc.PeerChannels;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A block server's answers to malformed, out-of-order and idle sessions: a clear status each, and the server goes on. */
class BlockServiceTest {
    private static final Path MODEL = TestData.shippedModel("stories260K.gguf");
    private final NodeIdentity server = NodeIdentity.generate();
    private ServedBlocks blocks;
    private BlockService service;
    private NetServer net;
    private FrameServer frames;
    private PeerChannels channels;
    private byte[] hash;
    private int dim;
    /** The push gate's and push connections' clock, advanced by the tests; connections open in line. */
    private final java.util.concurrent.atomic.AtomicLong pushClock = new java.util.concurrent.atomic.AtomicLong();

    @BeforeEach
    void start() throws Exception {
        blocks = ServedBlocks.load(MODEL, 1, 3, 1);
        dim = blocks.config().dim();
        hash = ModelHash.of(MODEL);
        service = new BlockService(blocks, new ServerLimits(16L << 20, Duration.ofMillis(400), 256),
                java.util.function.UnaryOperator.identity(), pushClock::get, Runnable::run);
        net = NetServer.start(server, new TlsContexts(server), new InetSocketAddress("127.0.0.1", 0), NetLimits.defaults(),
                List.of(service), null);
        channels = new PeerChannels(new TlsContexts(NodeIdentity.generate()), NetLimits.defaults(), 4);
        frames = service.listen(new TlsContexts(server), new InetSocketAddress("127.0.0.1", 0), FrameLimits.defaults());
    }

    @AfterEach
    void stop() {
        frames.close();
        channels.close();
        net.close();
        service.close();
        blocks.close();
    }

    /** Sends the requests on one session and returns the answers, ending with the closing status. */
    /** Opens a session stream whose answers (responses, then the closing status) go to {@code got}. */
    private StreamObserver<SessionRequest> stream(LinkedBlockingQueue<Object> got) {
        return BlockServerGrpc.newStub(channels.channel(server.peerId(), "127.0.0.1", net.port()))
                .session(new StreamObserver<>() {
                    @Override
                    public void onNext(SessionResponse r) {
                        got.add(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                        got.add(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        got.add(Status.OK);
                    }
                });
    }

    private List<Object> session(boolean overFrames, SessionRequest... requests) throws Exception {
        return overFrames ? frameSession(requests) : session(requests);
    }

    private FrameConnection connectFrames() throws IOException {
        return FrameConnection.connect(new TlsContexts(NodeIdentity.generate()), server.peerId(), "127.0.0.1",
                frames.port(), BlockService.SESSION_PROTOCOL, 1 << 20, Duration.ofSeconds(10));
    }

    /**
     * The same over the frame socket, one request at a time as clients send them: the answers,
     * then the failure as a Status (or OK when every request was answered).
     */
    private List<Object> frameSession(SessionRequest... requests) throws IOException {
        try (FrameConnection c = connectFrames()) {
            List<Object> answers = new java.util.ArrayList<>();
            for (SessionRequest request : requests) {
                c.write(request.toByteArray());
                Object answer = answer(c);
                answers.add(answer);
                if (answer instanceof Status) {
                    return answers;
                }
            }
            answers.add(Status.OK);
            return answers;
        }
    }

    private static Object answer(FrameConnection c) throws IOException {
        byte[] f = c.read();
        if (f == null) {
            return Status.UNAVAILABLE.withDescription("closed");
        }
        SessionResponse r = SessionResponse.parseFrom(f);
        return r.hasFailure() ? Status.fromCode(Status.Code.valueOf(r.getFailure().getCode()))
                .withDescription(r.getFailure().getMessage()) : r;
    }

    private List<Object> session(SessionRequest... requests) throws InterruptedException {
        LinkedBlockingQueue<Object> got = new LinkedBlockingQueue<>();
        StreamObserver<SessionRequest> out = stream(got);
        for (SessionRequest r : requests) {
            out.onNext(r);
        }
        java.util.ArrayList<Object> answers = new java.util.ArrayList<>();
        while (true) {
            Object o = got.poll(10, TimeUnit.SECONDS);
            answers.add(o);
            if (o == null || o instanceof Status) {
                out.onCompleted();
                return answers;
            }
            if (answers.size() == requests.length) {
                out.onCompleted();
                answers.add(got.poll(10, TimeUnit.SECONDS));
                return answers;
            }
        }
    }

    private SessionRequest open(int first, int end) {
        return SessionRequest.newBuilder().setOpen(Open.newBuilder().setModel(ByteString.copyFrom(hash)).setFirst(first)
                .setEnd(end).setMaxPositions(64)).build();
    }

    private SessionRequest step(int position, int tokens, int bytes) {
        return SessionRequest.newBuilder().setStep(Step.newBuilder().setPosition(position).setTokens(tokens)
                .setHidden(ByteString.copyFrom(new byte[bytes]))).build();
    }

    private static Status last(List<Object> answers) {
        return (Status) answers.getLast();
    }

    @ParameterizedTest(name = "frames={0}")
    @ValueSource(booleans = {false, true})
    void wellFormedSessionRunsStepsAndRewinds(boolean overFrames) throws Exception {
        List<Object> a = session(overFrames, open(1, 3), step(0, 2, 2 * dim * 4), step(2, 1, dim * 4), step(1, 1, dim * 4));
        assertEquals(4, a.stream().filter(o -> o instanceof SessionResponse).count(), a.toString());
        assertEquals(Status.Code.OK, last(a).getCode());
    }

    @ParameterizedTest(name = "frames={0}")
    @ValueSource(booleans = {false, true})
    void badSessionsGetClearErrors(boolean overFrames) throws Exception {
        Status wrongModel = last(session(overFrames, SessionRequest.newBuilder().setOpen(Open.newBuilder()
                .setModel(ByteString.copyFrom(new byte[32])).setFirst(1).setEnd(3).setMaxPositions(8)).build()));
        assertEquals(Status.Code.NOT_FOUND, wrongModel.getCode());
        Status notServed = last(session(overFrames, open(0, 3)));
        assertEquals(Status.Code.INVALID_ARGUMENT, notServed.getCode());
        assertTrue(notServed.getDescription().contains("not served here"), notServed.getDescription());
        Status stepFirst = last(session(overFrames, step(0, 1, dim * 4)));
        assertEquals(Status.Code.FAILED_PRECONDITION, stepFirst.getCode());
        Status badSize = last(session(overFrames, open(1, 3), step(0, 1, dim * 4 - 1)));
        assertEquals(Status.Code.INVALID_ARGUMENT, badSize.getCode());
        Status gap = last(session(overFrames, open(1, 3), step(5, 1, dim * 4)));
        assertEquals(Status.Code.FAILED_PRECONDITION, gap.getCode());
        assertTrue(gap.getDescription().contains("replay"), gap.getDescription());
        Status tooLong = last(session(overFrames, SessionRequest.newBuilder().setOpen(Open.newBuilder().setModel(ByteString.copyFrom(hash))
                .setFirst(1).setEnd(3).setMaxPositions(100_000)).build()));
        assertEquals(Status.Code.OUT_OF_RANGE, tooLong.getCode());
        // After all that, the server still serves.
        assertEquals(Status.Code.OK, last(session(overFrames, open(1, 3), step(0, 1, dim * 4))).getCode());
        awaitNoSessions();
    }

    /** A frame session ends when the server reads the client's close, a moment after the client's last read. */
    private void awaitNoSessions() throws InterruptedException {
        for (int i = 0; i < 500 && service.activeSessions() > 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(0, service.activeSessions());
    }

    @Test
    void malformedFramesAndUnknownProtocolsGetClearErrors() throws Exception {
        try (FrameConnection c = connectFrames()) {
            c.write(new byte[] {(byte) 0xff, (byte) 0xff, 0x01});
            Status s = (Status) answer(c);
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
            assertTrue(s.getDescription().contains("malformed session request"), s.getDescription());
            assertEquals(Status.Code.UNAVAILABLE, ((Status) answer(c)).getCode()); // and the connection ends
        }
        IOException e = assertThrows(IOException.class, () -> FrameConnection.connect(new TlsContexts(NodeIdentity.generate()),
                server.peerId(), "127.0.0.1", frames.port(), "mycel/inference-session/0", 1 << 20, Duration.ofSeconds(10)));
        assertTrue(e.getMessage().contains("does not speak mycel/inference-session/0"), e.getMessage());
        assertEquals(Status.Code.OK, last(session(true, open(1, 3), step(0, 1, dim * 4))).getCode());
        awaitNoSessions();
    }

    @Test
    void idleFrameSessionIsCutAndItsCacheFreed() throws Exception {
        long free = service.info().getFreeCacheTokens();
        try (FrameConnection c = connectFrames()) {
            c.write(open(1, 3).toByteArray());
            assertTrue(answer(c) instanceof SessionResponse);
            assertTrue(service.info().getFreeCacheTokens() < free);
            Object after;
            try {
                after = answer(c);
            } catch (IOException cut) {
                after = Status.UNAVAILABLE;
            }
            assertEquals(Status.Code.UNAVAILABLE, ((Status) after).getCode());
        }
        assertEquals(free, service.info().getFreeCacheTokens());
        assertEquals(0, service.activeSessions());
    }

    @Test
    void idleSessionIsClosedAndItsCacheFreed() throws Exception {
        long free = service.info().getFreeCacheTokens();
        LinkedBlockingQueue<Object> got = new LinkedBlockingQueue<>();
        StreamObserver<SessionRequest> out = stream(got);
        out.onNext(open(1, 3));
        assertTrue(got.poll(10, TimeUnit.SECONDS) instanceof SessionResponse);
        assertTrue(service.info().getFreeCacheTokens() < free);
        Status closed = (Status) got.poll(10, TimeUnit.SECONDS);
        assertEquals(Status.Code.DEADLINE_EXCEEDED, closed.getCode());
        assertEquals(free, service.info().getFreeCacheTokens());
        assertEquals(blocks.first(), BlockServerGrpc.newBlockingStub(channels.channel(server.peerId(), "127.0.0.1", net.port()))
                .info(InfoRequest.getDefaultInstance()).getFirst());
    }

    private static SessionRequest accept(NodeIdentity who) {
        return SessionRequest.newBuilder().setAccept(Accept.newBuilder().setPeer(ByteString.copyFrom(who.peerId().rawKey())))
                .build();
    }

    private Step hidden(long id, int position, byte fill) {
        byte[] h = new byte[dim * 4];
        java.util.Arrays.fill(h, fill);
        return Step.newBuilder().setId(id).setPosition(position).setTokens(1).setHidden(ByteString.copyFrom(h)).build();
    }

    private FrameConnection pusher(NodeIdentity who) throws IOException {
        return FrameConnection.connect(new TlsContexts(who), server.peerId(), "127.0.0.1", frames.port(),
                BlockService.PUSH_PROTOCOL, 1 << 20, Duration.ofSeconds(10));
    }

    private static void push(FrameConnection to, ByteString ticket, Step step) throws IOException {
        to.write(Push.newBuilder().setTicket(ticket).setStep(step).build().toByteArray());
    }

    /**
     * Pushed steps: taken only from the server the client named, only newer than any step seen and
     * only at the end of the cache; every other push is answered to the client as Rejected and the
     * session goes on. Pushes for unknown sessions are dropped; an undecodable push ends only the
     * push connection.
     */
    @Test
    void pushedStepsAreTakenOnlyAsTheClientAllows() throws Exception {
        NodeIdentity before = NodeIdentity.generate();
        NodeIdentity stranger = NodeIdentity.generate();
        try (FrameConnection client = connectFrames(); FrameConnection good = pusher(before);
             FrameConnection bad = pusher(stranger)) {
            client.write(open(1, 3).toByteArray());
            ByteString ticket = ((SessionResponse) answer(client)).getOpened().getTicket();
            assertEquals(16, ticket.size());
            // Before the client names anyone, nobody's pushes are taken.
            push(good, ticket, hidden(0, 0, (byte) 1));
            assertTrue(((SessionResponse) answer(client)).getRejected().getReason().contains("takes no pushed steps"));
            client.write(accept(before).toByteArray());
            assertTrue(((SessionResponse) answer(client)).hasAccepted());

            Step first = hidden(1, 0, (byte) 1);
            push(good, ticket, first);
            SessionResponse r = (SessionResponse) answer(client);
            assertEquals(1, r.getResult().getId());
            assertArrayEquals(HiddenStates.sha256(first.getHidden()), r.getResult().getInputSha256().toByteArray());
            assertFalse(r.getResult().getForwarded());

            push(bad, ticket, hidden(2, 1, (byte) 2));
            assertTrue(((SessionResponse) answer(client)).getRejected().getReason().contains("no pushed steps from"));
            push(good, ticket, hidden(1, 1, (byte) 2));
            assertTrue(((SessionResponse) answer(client)).getRejected().getReason().contains("not newer"));
            push(good, ticket, hidden(3, 0, (byte) 2));
            assertTrue(((SessionResponse) answer(client)).getRejected().getReason().contains("cache ends at 1"));
            push(good, ticket, Step.newBuilder(hidden(4, 1, (byte) 2)).setTokens(2).build());
            assertEquals(4, ((SessionResponse) answer(client)).getRejected().getId());
            push(good, ByteString.copyFrom(new byte[16]), hidden(5, 1, (byte) 2)); // no such session: dropped
            push(good, ticket, hidden(6, 1, (byte) 2));
            assertEquals(6, ((SessionResponse) answer(client)).getResult().getId());

            // Nonsense on the push connection ends it; the session is untouched.
            bad.write(new byte[] {(byte) 0xff, (byte) 0xff, 0x01});
            assertThrows(IOException.class, () -> {
                if (bad.read() == null) {
                    throw new IOException("closed");
                }
            });
            client.write(SessionRequest.newBuilder().setStep(hidden(7, 2, (byte) 3)).build().toByteArray());
            assertEquals(7, ((SessionResponse) answer(client)).getResult().getId());
        }
        assertEquals(2, service.pushesTaken());
        awaitNoSessions();
    }

    @Test
    void aPushThatCannotBeSentIsReportedAndTheAnswerStillComes() throws Exception {
        int closedPort;
        try (var probe = new java.net.ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        Forward nowhere = Forward.newBuilder().setHost("127.0.0.1").setPort(closedPort)
                .setPeer(ByteString.copyFrom(NodeIdentity.generate().peerId().rawKey()))
                .setTicket(ByteString.copyFrom(new byte[16])).setId(0).build();
        try (FrameConnection client = connectFrames()) {
            client.write(open(1, 3).toByteArray());
            assertTrue(((SessionResponse) answer(client)).hasOpened());
            client.write(SessionRequest.newBuilder().setStep(hidden(0, 0, (byte) 1).toBuilder().addForward(nowhere))
                    .build().toByteArray());
            SessionResponse r = (SessionResponse) answer(client);
            assertEquals(0, r.getResult().getId());
            assertFalse(r.getResult().getForwarded());
            assertEquals(dim * 4, r.getResult().getHidden().size());
            assertTrue(r.getResult().getInputSha256().isEmpty()); // a direct step names no input
        }
        assertEquals(0, service.pushesSent());
        awaitNoSessions();
    }

    /**
     * A server given no gate pushes nowhere. A push leaves as the step's output, for the session
     * the client named; a gate that stops
     * allowing the target applies from the next step on, although the session keeps the target
     * it last allowed, and allowing it again resumes the pushes. A gate that allowed a target is
     * not asked again about it for 10 s (of the injected clock), then it is.
     */
    @Test
    void pushesCarryTheOutputAndFollowTheGate() throws Exception {
        NodeIdentity next = NodeIdentity.generate();
        LinkedBlockingQueue<byte[]> pushed = new LinkedBlockingQueue<>();
        try (FrameServer receiver = FrameServer.start(new TlsContexts(next), new InetSocketAddress("127.0.0.1", 0),
                java.util.Map.of(BlockService.PUSH_PROTOCOL, c -> {
                    for (byte[] f; (f = c.read()) != null; ) {
                        pushed.add(f);
                    }
                }), FrameLimits.defaults());
             FrameConnection client = connectFrames()) {
            ByteString ticket = ByteString.copyFrom(new byte[] {7, 7, 7});
            Forward there = Forward.newBuilder().setHost("127.0.0.1").setPort(receiver.port())
                    .setPeer(ByteString.copyFrom(next.peerId().rawKey())).setTicket(ticket).build();
            client.write(open(1, 3).toByteArray());
            assertTrue(((SessionResponse) answer(client)).hasOpened());
            int position = 0;
            java.util.function.IntFunction<SessionResponse> step = p -> {
                try {
                    client.write(SessionRequest.newBuilder().setStep(hidden(p, p, (byte) p).toBuilder()
                            .addForward(there.toBuilder().setId(1000 + p))).build().toByteArray());
                    return (SessionResponse) answer(client);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            // Before a gate is given, the server pushes nowhere.
            // (Connections open in line here, so a push would be forwarded from the second step on.)
            for (int i = 0; i < 3; i++) {
                assertFalse(step.apply(position++).getResult().getForwarded());
            }
            assertTrue(pushed.isEmpty());
            service.allowPushes(f -> f.getPort() == receiver.port());
            // The first push finds no connection yet and opens it (in a server, in the background).
            assertFalse(step.apply(position++).getResult().getForwarded());
            SessionResponse r = step.apply(position++);
            assertTrue(r.getResult().getForwarded(), "the push connection is up");
            Push p = FrameMessages.parse(pushed.poll(10, TimeUnit.SECONDS), Push.parser());
            assertEquals(ticket, p.getTicket());
            assertEquals(1000 + position - 1, p.getStep().getId());
            assertEquals(position - 1, p.getStep().getPosition());
            assertEquals(r.getResult().getHidden(), p.getStep().getHidden());

            service.allowPushes(f -> false);
            assertFalse(step.apply(position++).getResult().getForwarded());
            service.allowPushes(f -> f.getPort() == receiver.port());
            assertTrue(step.apply(position++).getResult().getForwarded());
            assertEquals(1000 + position - 1, FrameMessages.parse(pushed.poll(10, TimeUnit.SECONDS), Push.parser())
                    .getStep().getId());
            assertTrue(pushed.isEmpty());

            java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
            service.allowPushes(f -> asked.incrementAndGet() > 0 && f.getPort() == receiver.port());
            for (int i = 0; i < 3; i++) {
                assertTrue(step.apply(position++).getResult().getForwarded());
                assertTrue(pushed.poll(10, TimeUnit.SECONDS) != null);
                pushClock.addAndGet(Duration.ofSeconds(3).toNanos());
            }
            assertEquals(1, asked.get(), "the allowed target was kept for 10 s");
            pushClock.addAndGet(Duration.ofSeconds(1).toNanos() + 1);
            assertTrue(step.apply(position++).getResult().getForwarded());
            assertEquals(2, asked.get(), "the gate was asked again after 10 s");
        }
        awaitNoSessions();
    }

    /** The announced speed is warm at start and then follows the single-token steps served. */
    @Test
    void theAnnouncedSpeedIsMeasuredWarmThenFollowsServedSteps() throws Exception {
        double warm = service.measureSpeed();
        assertTrue(warm > 0);
        assertEquals(warm, service.info().getBlocksPerSecond(), 1e-9);
        List<SessionRequest> requests = new java.util.ArrayList<>();
        requests.add(SessionRequest.newBuilder().setOpen(Open.newBuilder().setModel(ByteString.copyFrom(hash))
                .setFirst(1).setEnd(3).setMaxPositions(200)).build());
        for (int p = 0; p < 2 * dev.mycel.inference.server.SpeedMeterTest.window(); p++) {
            requests.add(SessionRequest.newBuilder().setStep(Step.newBuilder().setId(p).setPosition(p).setTokens(1)
                    .setHidden(ByteString.copyFrom(new byte[dim * 4]))).build());
        }
        List<Object> answers = frameSession(requests.toArray(SessionRequest[]::new));
        assertEquals(Status.OK, answers.getLast());
        // Every one of the nine warm passes has left the window: what is announced now is the steps'.
        double served = service.info().getBlocksPerSecond();
        assertTrue(served > 0 && served != warm, "still the warm measurement: " + served);
    }
}
