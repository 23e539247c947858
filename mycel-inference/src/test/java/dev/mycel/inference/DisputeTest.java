package dev.mycel.inference;

import static dev.mycel.inference.Generations.assertSame;
import static dev.mycel.inference.Generations.local;
import static dev.mycel.inference.Generations.remote;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.mycel.inference.client.RemoteSequence;
import dev.mycel.inference.client.ServerDirectory;
import dev.mycel.inference.client.ServerEntry;
import dev.mycel.inference.client.SpotCheckPolicy;
import dev.mycel.inference.proto.Dispute;
import dev.mycel.inference.proto.Open;
import dev.mycel.inference.proto.SessionRequest;
import dev.mycel.inference.proto.SessionResponse;
import dev.mycel.inference.proto.SignedOutput;
import dev.mycel.inference.proto.Step;
import dev.mycel.inference.proto.StepResult;
import dev.mycel.inference.server.BlockService;
import dev.mycel.inference.server.Fault;
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.tls.TlsContexts;
import dev.mycel.net.transport.frame.FrameConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Reports that prove a lie: a client that catches a server files the two signed answers and the
 * session's tokens; another client that never talked to the liar finds the report, checks it
 * with its own copy of the model and avoids the liar; a forged report against an honest server
 * discredits its reporter and costs the server nothing.
 */
class DisputeTest {
    private static final RemoteSequence.Options UNCHECKED = RemoteSequence.Options.defaults();

    private static InferenceNetwork.Server server(InferenceNetwork net, double speed) throws Exception {
        InferenceNetwork.Server s = net.addServer(0, 5);
        s.service().advertiseSpeed(speed);
        s.announcer().announce();
        return s;
    }

    @Test
    void aLiarCaughtByOneClientIsAvoidedByAnotherThatChecksTheProof() throws Exception {
        GenerationResult expected = local();
        try (InferenceNetwork net = new InferenceNetwork(Generations.MODEL)) {
            server(net, 10);
            InferenceNetwork.Server liar = server(net, 1e9); // the fastest: every route's first choice
            liar.service().injectFault(new Fault(Fault.Kind.PERTURB, 0));
            RemoteSequence.Options checked = UNCHECKED.withSpotChecks(new SpotCheckPolicy(0.05, 1));
            assertSame(expected, remote(net, checked, (n, seq) -> { }));
            assertTrue(net.client().banned().contains(liar.dht().id()), String.join("\n", net.events));
            List<ServerDirectory.Report> filed = new DhtServerDirectory(net.bootstrap).reports(liar.dht().id());
            assertEquals(1, filed.size());
            Dispute proof = filed.getFirst().proof();
            assertEquals(ByteString.copyFrom(liar.dht().id().rawKey()), proof.getAccused().getServer());
            assertEquals(proof.getPosition() + proof.getTokens(), proof.getTokenIdsCount());

            long sessionsBefore = liar.service().frameConnections();
            List<String> seen = new CopyOnWriteArrayList<>();
            InferenceClient second = net.newClient(seen);
            // No spot checks at all: only the report can keep this client away from the liar.
            assertSame(expected, remote(second, UNCHECKED));
            assertTrue(seen.stream().anyMatch(e -> e.contains("proves that " + liar.dht().id().shortString())),
                    String.join("\n", seen));
            assertTrue(second.banned().contains(liar.dht().id()));
            assertEquals(sessionsBefore, liar.service().frameConnections(), "the second client never talked to the liar");
        }
    }

    @Test
    void aForgedReportAgainstAnHonestServerDiscreditsItsReporter() throws Exception {
        GenerationResult expected = local();
        try (InferenceNetwork net = new InferenceNetwork(Generations.MODEL);
             LoadedModel m = LoadedModel.open(Generations.MODEL, 1)) {
            server(net, 10);
            InferenceNetwork.Server honest = server(net, 1e9);
            byte[] model = ModelHash.of(Generations.MODEL);
            int dim = m.config().dim();
            int[] ids = m.tokenizer().encode(Generations.PROMPT, true, false);
            float[] x = new float[ids.length * dim];
            m.model().embed(ids, 0, ids.length, x);
            ByteString input = HiddenStates.encode(x, ids.length, dim);

            // The forger asks the honest server for a genuine, signed answer...
            NodeIdentity forger = NodeIdentity.generate();
            StepResult genuine;
            try (FrameConnection c = FrameConnection.connect(new TlsContexts(forger), honest.dht().id(), "127.0.0.1",
                    honest.service().info().getSessionPort(), BlockService.SESSION_PROTOCOL, 1 << 20, Duration.ofSeconds(10))) {
                c.write(SessionRequest.newBuilder().setOpen(Open.newBuilder().setModel(ByteString.copyFrom(model))
                        .setFirst(0).setEnd(5).setMaxPositions(64)).build().toByteArray());
                SessionResponse.parseFrom(c.read());
                c.write(SessionRequest.newBuilder().setStep(Step.newBuilder().setId(1).setPosition(0)
                        .setTokens(ids.length).setHidden(input)).build().toByteArray());
                genuine = SessionResponse.parseFrom(c.read()).getResult();
            }
            InputChain chain = new InputChain(dim * Float.BYTES);
            chain.append(input, ids.length);
            // ...and a server of its own swears to another output.
            NodeIdentity accomplice = NodeIdentity.generate();
            byte[] other = HiddenStates.sha256(ByteString.copyFrom(new byte[ids.length * dim * 4]));
            Dispute.Builder forged = Dispute.newBuilder().setModel(ByteString.copyFrom(model)).setFirst(0).setEnd(5)
                    .setPosition(0).setTokens(ids.length).setInputsSha256(ByteString.copyFrom(chain.current()))
                    .setAccused(SignedOutput.newBuilder().setServer(ByteString.copyFrom(honest.dht().id().rawKey()))
                            .setOutputSha256(ByteString.copyFrom(HiddenStates.sha256(genuine.getHidden())))
                            .setSignature(genuine.getSignature()))
                    .setWitness(SignedOutput.newBuilder().setServer(ByteString.copyFrom(accomplice.peerId().rawKey()))
                            .setOutputSha256(ByteString.copyFrom(other))
                            .setSignature(ByteString.copyFrom(StepSignature.sign(accomplice, model, 0, 5, 0, ids.length,
                                    chain.current(), other))));
            for (int id : ids) {
                forged.addTokenIds(id);
            }
            DhtNode forgerDht = DhtNode.start(InferenceNetwork.config(), forger, null);
            try (forgerDht) {
                forgerDht.onEvent(e -> { });
                forgerDht.bootstrap(List.of(new BootstrapAddress(null, "127.0.0.1", net.bootstrap.port())));
                ServerEntry accused = new DhtServerDirectory(forgerDht).servers(model).stream()
                        .filter(e -> e.peer().equals(honest.dht().id())).findFirst().orElseThrow();
                new DhtServerDirectory(forgerDht).report(accused, forged.build());

                List<String> seen = new CopyOnWriteArrayList<>();
                InferenceClient client = net.newClient(seen);
                assertSame(expected, remote(client, UNCHECKED));
                assertTrue(seen.stream().anyMatch(e -> e.contains("report by " + forger.peerId().shortString())
                        && e.contains("is false")), String.join("\n", seen));
                assertFalse(client.banned().contains(honest.dht().id()), "an honest server must never be avoided");
                assertTrue(honest.service().frameConnections() > 1, "the client used the accused server");
            }
        }
    }
}
