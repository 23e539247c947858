package dev.mycel.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.mycel.inference.client.Hop;
import dev.mycel.inference.client.HopTimes;
import dev.mycel.inference.client.NoRouteException;
import dev.mycel.inference.client.RemoteSequence;
import dev.mycel.inference.client.SpotCheckPolicy;
import dev.mycel.inference.proto.Accept;
import dev.mycel.inference.proto.Forward;
import dev.mycel.inference.proto.Open;
import dev.mycel.inference.proto.SessionRequest;
import dev.mycel.inference.proto.SessionResponse;
import dev.mycel.inference.proto.Step;
import dev.mycel.inference.server.BlockService;
import dev.mycel.inference.server.ServedBlocks;
import dev.mycel.inference.server.ServerLimits;
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.model.generate.Generator;
import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.FrameConnection;
import dev.mycel.net.transport.frame.FrameLimits;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Generation through block servers in one JVM (real gRPC over TLS, real DHT): identical bits to
 * single-process generation, through fail-overs and past a lying server.
 */
class DistributedGenerationTest {
    private static final Path MODEL = Generations.MODEL;

    private static GenerationOptions options() {
        return Generations.options();
    }

    private static GenerationResult local() {
        return Generations.local();
    }

    private static GenerationResult remote(InferenceNetwork net, RemoteSequence.Options options,
                                           Generations.TokenHook hook) throws Exception {
        return Generations.remote(net, options, hook);
    }

    /**
     * Generates until each of the first {@code pushers} servers has pushed a step: push
     * connections open in the background, and a generation of this small model can end before
     * they are up. Each generation must give the bits of one process too.
     */
    private static void warmPushes(InferenceNetwork net, int pushers, GenerationResult expected) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (net.servers.stream().limit(pushers).allMatch(s -> s.service().pushesSent() > 0)) {
                return;
            }
            assertSame(expected, remote(net, RemoteSequence.Options.defaults(), (n, seq) -> { }));
        }
        throw new AssertionError("the servers' push connections did not come up");
    }

    private static InferenceNetwork.Server serverOf(InferenceNetwork net, Hop hop) {
        return net.servers.stream().filter(s -> s.dht().id().equals(hop.server().peer())).findFirst().orElseThrow();
    }

    private static void assertSame(GenerationResult expected, GenerationResult actual) {
        Generations.assertSame(expected, actual);
    }

    /** Both session transports: the frame socket (the default path) and gRPC streams. */
    @ParameterizedTest(name = "frames={0}")
    @ValueSource(booleans = {true, false})
    void threeServersEachWithAThirdGiveTheSameBitsAsOneProcess(boolean frames) throws Exception {
        GenerationResult expected = local();
        try (InferenceNetwork net = new InferenceNetwork(MODEL, frames)) {
            net.addServer(0, 2);
            net.addServer(2, 4);
            net.addServer(4, 5);
            try (RemoteSequence seq = net.sequence(128, RemoteSequence.Options.defaults())) {
                assertEquals(3, seq.route().size());
            }
            if (frames) {
                warmPushes(net, 2, expected);
            }
            var times = new java.util.concurrent.atomic.AtomicReference<HopTimes>();
            var route = new java.util.concurrent.atomic.AtomicReference<HopTimes>();
            assertSame(expected, remote(net, RemoteSequence.Options.defaults(), (n, seq) -> {
                times.set(seq.hopTimes());
                route.set(seq.routeTimes());
            }));
            // Every step went through all three hops, each reporting its server's time, which is
            // part of what the client waited.
            HopTimes t = times.get();
            assertEquals(0, t.steps() % 3);
            assertTrue(t.steps() >= 3 * (expected.tokens().length / 2), t.toString());
            assertTrue(t.serverNanos() > 0 && t.wallNanos() >= t.serverNanos(), t.toString());
            // Through the whole route: one entry per undisturbed step, the three servers' time inside it.
            HopTimes r = route.get();
            assertTrue(r.steps() <= t.steps() / 3 && r.steps() >= expected.tokens().length / 2, r + " " + t);
            assertTrue(r.serverNanos() > 0 && r.serverNanos() <= t.serverNanos(), r + " " + t);
            assertTrue(r.wallNanos() >= r.serverNanos(), r.toString());
            for (InferenceNetwork.Server s : net.servers) {
                assertEquals(frames, s.service().frameConnections() > 0, "sessions over the frame socket");
                assertEquals(frames, s.service().info().getSessionPort() > 0);
            }
            // On frame sockets the first two servers pushed their outputs on, and the last two
            // took them: the client sent each step once and only collected the answers.
            var svc = net.servers.stream().map(InferenceNetwork.Server::service).toList();
            assertEquals(frames, svc.get(0).pushesSent() > 0 && svc.get(1).pushesSent() > 0);
            assertEquals(0, svc.get(2).pushesSent());
            assertEquals(0, svc.get(0).pushesTaken());
            assertEquals(frames ? svc.get(0).pushesSent() : 0, svc.get(1).pushesTaken());
            assertEquals(frames ? svc.get(1).pushesSent() : 0, svc.get(2).pushesTaken());
        }
    }

    @Test
    void withoutForwardingTheClientCarriesEveryStepAndTheBitsAreTheSame() throws Exception {
        GenerationResult expected = local();
        try (InferenceNetwork net = new InferenceNetwork(MODEL)) {
            net.addServer(0, 2);
            net.addServer(2, 5);
            assertSame(expected, remote(net, RemoteSequence.Options.defaults().withForwarding(false), (n, seq) -> { }));
            for (InferenceNetwork.Server s : net.servers) {
                assertEquals(0, s.service().pushesSent() + s.service().pushesTaken());
            }
        }
    }

    /**
     * A server that pushes other hidden states than it answers is found out by the hash the next
     * server reports; the client sends that step itself and stops pushing between the two, and
     * the answer stays honest. (Which of the two lied cannot be proven, so nobody is banned.)
     */
    @Test
    void aServerPushingOtherStatesThanItAnswersCostsOnlyDirectSteps() throws Exception {
        GenerationResult expected = local();
        try (InferenceNetwork net = new InferenceNetwork(MODEL)) {
            InferenceNetwork.Server twoFaced = net.addServer(0, 2);
            twoFaced.service().tamperPushes(x -> {
                x[0] += 1e-3f;
                return x;
            });
            InferenceNetwork.Server next = net.addServer(2, 5);
            warmPushes(net, 1, expected);
            long sent = twoFaced.service().pushesSent();
            long taken = next.service().pushesTaken();
            net.events.clear();
            assertSame(expected, remote(net, RemoteSequence.Options.defaults(), (n, seq) -> { }));
            assertTrue(net.events.stream().anyMatch(e -> e.contains("was pushed other hidden states")),
                    String.join("\n", net.events));
            assertEquals(sent + 1, twoFaced.service().pushesSent(), "no more pushes after the first went wrong");
            assertEquals(taken + 1, next.service().pushesTaken());
            assertTrue(net.client().banned().isEmpty());
        }
    }

    @ParameterizedTest(name = "frames={0}")
    @ValueSource(booleans = {true, false})
    void serversKilledMidGenerationCostOnlyARerouteOneAfterAnother(boolean frames) throws Exception {
        GenerationResult expected = local();
        try (InferenceNetwork net = new InferenceNetwork(MODEL, frames)) {
            net.addServer(0, 3);
            net.addServer(3, 5);
            net.addServer(0, 2);
            net.addServer(2, 5);
            net.addServer(0, 5);
            List<String> killed = new java.util.ArrayList<>();
            GenerationResult got = remote(net, RemoteSequence.Options.defaults(), (n, seq) -> {
                if (n == 10 || n == 20) {
                    // Whoever serves the first hop right now dies without warning.
                    InferenceNetwork.Server victim = serverOf(net, seq.route().getFirst());
                    killed.add(victim.dht().id().toString());
                    victim.kill();
                }
            });
            assertSame(expected, got);
            assertEquals(2, killed.size());
            assertTrue(net.events.stream().filter(e -> e.contains("re-routing")).count() >= 2, String.join("\n", net.events));
        }
    }

    /**
     * Sessions running at once share each pair of servers' push connection: every pushed step
     * reaches its own session (by ticket), and every session gets the bits of one process.
     */
    @Test
    void concurrentSessionsPushingThroughTheSameServersEachGetTheirOwnBits() throws Exception {
        GenerationResult expected = local();
        try (InferenceNetwork net = new InferenceNetwork(MODEL)) {
            net.addServer(0, 2);
            net.addServer(2, 4);
            net.addServer(4, 5);
            warmPushes(net, 2, expected); // also makes the client before the threads share it
            try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
                List<java.util.concurrent.Future<GenerationResult>> runs = new java.util.ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    runs.add(pool.submit(() -> remote(net, RemoteSequence.Options.defaults(), (n, seq) -> { })));
                }
                for (var run : runs) {
                    assertSame(expected, run.get());
                }
            }
            var svc = net.servers.stream().map(InferenceNetwork.Server::service).toList();
            assertTrue(svc.get(1).pushesTaken() > 0 && svc.get(2).pushesTaken() > 0);
            assertEquals(svc.get(0).pushesSent(), svc.get(1).pushesTaken());
            assertEquals(svc.get(1).pushesSent(), svc.get(2).pushesTaken());
        }
    }

    private static SessionResponse ask(FrameConnection c,
                                                                  SessionRequest r) throws Exception {
        c.write(r.toByteArray());
        return SessionResponse.parseFrom(c.read());
    }

    /**
     * Push targets come from clients, so a server in a network pushes only to servers the DHT
     * announces for the model: until the next server is announced, steps naming it go unpushed.
     */
    @Test
    void serversPushOnlyToServersTheNetworkAnnounces() throws Exception {
        try (InferenceNetwork net = new InferenceNetwork(MODEL);
             var blocks = ServedBlocks.load(MODEL, 2, 5, 1);
             var hidden = new BlockService(blocks, ServerLimits.defaults())) {
            InferenceNetwork.Server first = net.addServerPushingInLine(0, 2);
            var nextId = NodeIdentity.generate();
            var nextTls = new TlsContexts(nextId);
            var me = new TlsContexts(NodeIdentity.generate());
            byte[] model = ModelHash.of(MODEL);
            int dim = blocks.config().dim();
            try (var socket = hidden.listen(nextTls, new InetSocketAddress("127.0.0.1", 0),
                    FrameLimits.defaults());
                 var toFirst = FrameConnection.connect(me, first.dht().id(), "127.0.0.1",
                         first.service().info().getSessionPort(), BlockService.SESSION_PROTOCOL,
                         1 << 20, Duration.ofSeconds(10));
                 var toNext = FrameConnection.connect(me, nextId.peerId(), "127.0.0.1",
                         socket.port(), BlockService.SESSION_PROTOCOL, 1 << 20,
                         Duration.ofSeconds(10))) {
                var open = Open.newBuilder().setModel(ByteString.copyFrom(model))
                        .setMaxPositions(256);
                ask(toFirst, SessionRequest.newBuilder().setOpen(open.setFirst(0).setEnd(2)).build());
                var ticket = ask(toNext, SessionRequest.newBuilder()
                        .setOpen(open.setFirst(2).setEnd(5)).build()).getOpened().getTicket();
                ask(toNext, SessionRequest.newBuilder().setAccept(Accept
                        .newBuilder().setPeer(ByteString.copyFrom(first.dht().id().rawKey()))).build());
                var forward = Forward.newBuilder().setHost("127.0.0.1").setPort(socket.port())
                        .setPeer(ByteString.copyFrom(nextId.peerId().rawKey())).setTicket(ticket);
                java.util.function.IntPredicate forwarded = position -> {
                    try {
                        var step = Step.newBuilder().setId(position).setPosition(position).setTokens(1)
                                .setHidden(ByteString.copyFrom(new byte[dim * 4]))
                                .addForward(forward.setId(position));
                        return ask(toFirst, SessionRequest.newBuilder().setStep(step).build())
                                .getResult().getForwarded();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                };
                // The first server's push connections open in line, so a push it allowed would
                // be forwarded from the second step on; its gate has just read the DHT.
                first.announcer().refreshPushTargets();
                int position = 0;
                for (; position < 10; position++) {
                    assertTrue(!forwarded.test(position), "pushed to a server nobody announced");
                }
                assertEquals(0, hidden.pushesTaken());
                // Once the DHT announces it, the first server pushes to it.
                var dht = DhtNode.start(InferenceNetwork.config(), nextId, null, List.of(hidden));
                try (dht; var announcer = new BlockServerNode(dht, hidden, 3600)) {
                    dht.bootstrap(List.of(new BootstrapAddress(null, "127.0.0.1", net.bootstrap.port())));
                    announcer.announce();
                    first.announcer().refreshPushTargets();
                    assertFalse(forwarded.test(position++), "the first push to it opens the connection");
                    assertTrue(forwarded.test(position++), "pushed to the announced server");
                }
            }
        }
    }

    /**
     * A server that says it pushed and did not: the client waits a few seconds, not the step
     * timeout, then sends the step itself, stops pushing between the two and fails nobody over.
     */
    @Test
    void aServerThatClaimsPushesItNeverSentCostsSecondsNotAFailover() throws Exception {
        GenerationResult expected = local();
        try (InferenceNetwork net = new InferenceNetwork(MODEL)) {
            InferenceNetwork.Server silent = net.addServer(0, 2);
            silent.service().tamperPushes(x -> null);
            net.addServer(2, 5);
            warmPushes(net, 1, expected);
            assertTrue(net.events.stream().anyMatch(e -> e.contains("no answer to the pushed step within")),
                    String.join("\n", net.events));
            assertTrue(net.events.stream().noneMatch(e -> e.contains("re-routing")), String.join("\n", net.events));
            assertTrue(net.client().banned().isEmpty());
        }
    }

    @Test
    void aLyingServerIsCaughtBannedAndTheAnswerIsStillHonest() throws Exception {
        GenerationResult expected = local();
        try (InferenceNetwork net = new InferenceNetwork(MODEL)) {
            net.addServer(0, 2);
            // The liar claims to be very fast, so the route goes through it.
            InferenceNetwork.Server liar = net.addServer(2, 4, x -> {
                x[0] += 1e-3f; // slightly perturbed, as a cheap or malicious server would
                return x;
            }, ServerLimits.defaults());
            liar.service().advertiseSpeed(1e9);
            liar.announcer().announce();
            net.addServer(2, 4);
            net.addServer(4, 5);
            RemoteSequence.Options checked = RemoteSequence.Options.defaults().withSpotChecks(new SpotCheckPolicy(0.2, 7));
            GenerationResult got = remote(net, checked, (n, seq) -> { });
            assertSame(expected, got);
            assertTrue(net.client().banned().contains(liar.dht().id()), String.join("\n", net.events));
            // The report is in the DHT, signed by the client.
            assertEquals(1, net.clientDht().providers(ModelKeys.reports(liar.dht().id())).size());
        }
    }

    @ParameterizedTest(name = "frames={0}")
    @ValueSource(booleans = {true, false})
    void aFullServerRefusesNewSessionsWithAClearError(boolean frames) throws Exception {
        try (InferenceNetwork net = new InferenceNetwork(MODEL, frames)) {
            net.addServer(0, 5, x -> x, new ServerLimits(64 * 1024, Duration.ofMinutes(1), 8192));
            NoRouteException e = assertThrows(NoRouteException.class, () -> net.sequence(128, RemoteSequence.Options.defaults()));
            assertTrue(e.getMessage().contains("server cache full"), e.getMessage());
        }
    }

    @Test
    void aServerWithoutASpanMovesWhereTheNetworkNeedsIt() throws Exception {
        try (InferenceNetwork net = new InferenceNetwork(MODEL)) {
            net.addServer(0, 2);
            InferenceNetwork.Server mover = net.addServer(0, 2);
            assertTrue(mover.announcer().rebalanceOnce(MODEL, 1));
            assertEquals(2, mover.service().info().getFirst());
            InferenceNetwork.Server third = net.addServer(0, 1);
            assertTrue(third.announcer().rebalanceOnce(MODEL, 1));
            assertEquals(4, third.service().info().getFirst());
            // Now every block is served: the whole model generates through the network.
            try (RemoteSequence seq = net.sequence(16, RemoteSequence.Options.defaults())) {
                assertEquals(3, seq.route().size());
            }
            // And nobody moves any more.
            assertTrue(!mover.announcer().rebalanceOnce(MODEL, 1) && !third.announcer().rebalanceOnce(MODEL, 1));
        }
    }

    @Test
    void aConversationThroughTheNetworkMatchesALocalOneTurnByTurn() throws Exception {
        List<String> turns = List.of("Tell me about a dog.", "What did the dog do next?", "And then?");
        List<String> expected = new java.util.ArrayList<>();
        try (LoadedModel m = LoadedModel.open(MODEL, 1)) {
            var template = dev.mycel.model.tokenizer.ChatTemplate.forTokenizer(m.tokenizer()).orElseThrow();
            var chat = new dev.mycel.model.generate.ChatSession(m.model(), m.tokenizer(), template, 128, null);
            for (String t : turns) {
                expected.add(chat.reply(t, options(), s -> { }).logitsSha256());
            }
        }
        try (InferenceNetwork net = new InferenceNetwork(MODEL)) {
            net.addServer(0, 3);
            net.addServer(3, 5);
            try (RemoteSequence seq = net.sequence(128, RemoteSequence.Options.defaults())) {
                InferenceClient c = net.client();
                var template = dev.mycel.model.tokenizer.ChatTemplate.forTokenizer(c.tokenizer()).orElseThrow();
                var chat = new dev.mycel.model.generate.ChatSession(new Generator(c.localModel(), c.tokenizer()), seq,
                        c.tokenizer(), template, null);
                List<String> got = new java.util.ArrayList<>();
                for (String t : turns) {
                    got.add(chat.reply(t, options(), s -> { }).logitsSha256());
                }
                assertEquals(expected, got);
            }
        }
    }

    @Test
    void routesPreferFewerFasterHops() throws Exception {
        try (InferenceNetwork net = new InferenceNetwork(MODEL)) {
            net.addServer(0, 5);
            net.addServer(0, 2);
            net.addServer(2, 5);
            try (RemoteSequence seq = net.sequence(16, RemoteSequence.Options.defaults())) {
                List<Hop> route = seq.route();
                assertEquals(0, route.getFirst().first());
                assertEquals(5, route.getLast().end());
            }
        }
    }
}
