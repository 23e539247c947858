package dev.mycel.federated.round;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.federated.privacy.ClientLevelDp;
import dev.mycel.federated.strategy.ClientUpdate;
import dev.mycel.federated.strategy.FedAvg;
import dev.mycel.federated.strategy.LocalTraining;
import dev.mycel.net.identity.NodeIdentity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * The coordinator's round loop with clients whose "training" is a known function of the global
 * model, so every aggregate is known: good replies are averaged; each kind of bad reply is
 * refused with its reason without stalling the round; too few replies keep the model; a round
 * record that lies is caught by the audit.
 */
class FederatedRunTest {
    private static final int SIZE = 16;
    private static final LocalTraining LOCAL = new LocalTraining(1, 8, 0.1);

    /** A client that answers with global + its own offset, signed with its key, or misbehaves as told. */
    private record TestClient(NodeIdentity key, BiFunction<FitRequest, NodeIdentity, SignedUpdate> behaviour)
            implements FederatedClient {
        @Override
        public String id() {
            return key.peerId().toString();
        }

        @Override
        public SignedUpdate fit(FitRequest r) {
            return behaviour.apply(r, key);
        }
    }

    private static NodeIdentity key(int i) {
        byte[] seed = new byte[32];
        seed[0] = (byte) i;
        seed[1] = 42;
        return NodeIdentity.fromSeed(seed);
    }

    private static float[] offset(float[] global, float by) {
        float[] w = global.clone();
        for (int i = 0; i < w.length; i++) {
            w[i] += by;
        }
        return w;
    }

    private static TestClient honest(int i) {
        return new TestClient(key(i), (r, k) -> SignedUpdate.sign(k, r.runId(), r.round(),
                new ClientUpdate(k.peerId().toString(), offset(r.global(), i), 10)));
    }

    private static FederatedRun.Settings settings(int rounds, int minClients, Duration deadline) {
        return new FederatedRun.Settings("test-run", rounds, 1.0, false, minClients, deadline, 7, 100, null);
    }

    private static List<RoundOutcome> run(FederatedRun.Settings s, List<FederatedClient> clients, float[] start) throws Exception {
        List<RoundOutcome> outcomes = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            new FederatedRun(s, new FedAvg(LOCAL), clients, key(200), ex, new SplittableRandom(1))
                    .run(start, w -> new double[] {0, 0}, outcomes::add);
        }
        return outcomes;
    }

    @Test
    void goodRepliesAreAveragedAndTheRecordChecksOut() throws Exception {
        List<FederatedClient> clients = List.of(honest(1), honest(2), honest(3), honest(6));
        List<RoundOutcome> out = run(settings(2, 1, Duration.ofSeconds(30)), clients, new float[SIZE]);
        assertEquals(2, out.size());
        // Equal weights (10 examples each): the mean offset is 3 per round.
        assertArrayEquals(offset(new float[SIZE], 3), out.get(0).model());
        assertArrayEquals(offset(new float[SIZE], 6), out.get(1).model());
        for (RoundOutcome o : out) {
            assertTrue(o.record().signatureVerifies());
            assertTrue(o.record().applied());
            assertEquals(4, o.record().inputs().size());
            FedAvg replay = new FedAvg(LOCAL);
            replay.restore(o.strategyBefore());
            assertEquals(List.of(), RoundAudit.check(o.record(), o.start(), o.inputs(), replay));
        }
    }

    @Test
    void eachBadReplyIsRefusedWithItsReasonAndTheRoundGoesOn() throws Exception {
        List<FederatedClient> clients = new ArrayList<>(List.of(honest(1), honest(3)));
        clients.add(new TestClient(key(10), (r, k) -> SignedUpdate.sign(k, r.runId(), r.round() + 1,
                new ClientUpdate(k.peerId().toString(), r.global(), 10))));
        clients.add(new TestClient(key(11), (r, k) -> SignedUpdate.sign(k, "another-run", r.round(),
                new ClientUpdate(k.peerId().toString(), r.global(), 10))));
        clients.add(new TestClient(key(12), (r, k) -> {
            // Signed by someone else's key.
            SignedUpdate s = SignedUpdate.sign(key(99), r.runId(), r.round(),
                    new ClientUpdate(key(99).peerId().toString(), r.global(), 10));
            return new SignedUpdate(r.runId(), r.round(), new ClientUpdate(k.peerId().toString(), r.global(), 10), s.signature());
        }));
        clients.add(new TestClient(key(13), (r, k) -> SignedUpdate.sign(key(98), r.runId(), r.round(),
                new ClientUpdate(key(98).peerId().toString(), r.global(), 10))));
        clients.add(new TestClient(key(14), (r, k) -> {
            float[] w = r.global().clone();
            w[3] = Float.NaN;
            return SignedUpdate.sign(k, r.runId(), r.round(), new ClientUpdate(k.peerId().toString(), w, 10));
        }));
        clients.add(new TestClient(key(15), (r, k) -> SignedUpdate.sign(k, r.runId(), r.round(),
                new ClientUpdate(k.peerId().toString(), new float[SIZE + 1], 10))));
        clients.add(new TestClient(key(16), (r, k) -> SignedUpdate.sign(k, r.runId(), r.round(),
                new ClientUpdate(k.peerId().toString(), offset(r.global(), 1000), 10))));
        clients.add(new TestClient(key(17), (r, k) -> {
            throw new IllegalStateException("disk full");
        }));
        clients.add(new TestClient(key(18), (r, k) -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        long t0 = System.nanoTime();
        List<RoundOutcome> out = run(settings(1, 2, Duration.ofMillis(1500)), clients, new float[SIZE]);
        assertTrue((System.nanoTime() - t0) / 1e9 < 20, "the hung client must not hold the round past its deadline");
        RoundOutcome o = out.getFirst();
        assertTrue(o.record().applied());
        assertArrayEquals(offset(new float[SIZE], 2), o.model());
        String reasons = o.record().refused().toString();
        for (String expected : new String[] {"not round 1", "not this run", "a bad signature", "claiming to be from",
            "NaN at index 3", "sent 17 values", "above the bound", "disk full", "deadline"}) {
            assertTrue(reasons.contains(expected), expected + " in " + reasons);
        }
        assertEquals(9, o.record().refused().size());
    }

    @Test
    void tooFewRepliesKeepTheModel() throws Exception {
        List<FederatedClient> clients = List.of(honest(1), new TestClient(key(20), (r, k) -> {
            throw new IllegalStateException("offline");
        }));
        float[] start = offset(new float[SIZE], 5);
        RoundOutcome o = run(settings(1, 2, Duration.ofSeconds(30)), clients, start).getFirst();
        assertFalse(o.record().applied());
        assertArrayEquals(start, o.model());
        assertTrue(o.record().refused().toString().contains("fewer than the minimum 2"));
        assertTrue(o.record().signatureVerifies());
    }

    @Test
    void aRecordThatLiesIsCaught() throws Exception {
        RoundOutcome o = run(settings(1, 1, Duration.ofSeconds(30)), List.of(honest(1), honest(2), honest(4)),
                new float[SIZE]).getFirst();
        RoundRecord r = o.record();
        FedAvg replay = new FedAvg(LOCAL);
        // A coordinator that signs a record claiming another aggregate.
        byte[] other = Hashes.sha256(offset(new float[SIZE], 9));
        RoundRecord lie = new RoundRecord(r.runId(), r.round(), r.strategy(), r.startSha256(), r.inputs(), r.refused(),
                true, r.preparation(), other, false, other, new byte[0], "", new byte[0]).signedBy(key(200));
        assertTrue(lie.signatureVerifies());
        assertTrue(RoundAudit.check(lie, o.start(), o.inputs(), replay).toString()
                .contains("the record claims"));
        // Someone else altering the signed record breaks the signature.
        RoundRecord forged = new RoundRecord(r.runId(), r.round(), r.strategy(), r.startSha256(), r.inputs(), r.refused(),
                true, r.preparation(), other, false, other, new byte[0], r.coordinator(), r.signature());
        assertFalse(forged.signatureVerifies());
        // An input swapped for another no longer matches its commitment.
        List<SignedUpdate> swapped = new ArrayList<>(o.inputs());
        SignedUpdate first = swapped.getFirst();
        swapped.set(0, new SignedUpdate(r.runId(), r.round(),
                new ClientUpdate(first.update().clientId(), offset(new float[SIZE], 50), 10, Map.of()), first.signature()));
        assertTrue(RoundAudit.check(r, o.start(), swapped, new FedAvg(LOCAL)).toString()
                .contains("does not match the record's commitment"));
    }

    @Test
    void clientLevelDpStopsBeforeTheBudgetIsExceeded() throws Exception {
        List<FederatedClient> clients = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            clients.add(honest(i));
        }
        ClientLevelDp dp = new ClientLevelDp(ClientLevelDp.Mode.COORDINATOR, 2.0, 1.0, 1e-5, 3.0, "rdp", null);
        FederatedRun.Settings s = new FederatedRun.Settings("dp-run", 100, 0.5, true, 1, Duration.ofSeconds(30), 3, 1e6, dp);
        List<RoundOutcome> out = new ArrayList<>();
        int[] stoppedAt = {0};
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            new FederatedRun(s, new FedAvg(LOCAL), clients, key(200), ex, new SplittableRandom(2))
                    .run(new float[SIZE], w -> new double[] {0, 0}, new FederatedRun.Listener() {
                        @Override
                        public void roundEnded(RoundOutcome o) {
                            out.add(o);
                        }

                        @Override
                        public void budgetStop(int round, double eps) {
                            stoppedAt[0] = round;
                            assertTrue(eps > 3.0);
                        }
                    });
        }
        assertTrue(out.size() > 0 && out.size() < 100);
        assertEquals(out.size() + 1, stoppedAt[0]);
        assertTrue(out.getLast().epsilon() <= 3.0);
        for (RoundOutcome o : out) {
            if (o.record().applied()) {
                assertTrue(o.record().coordinatorNoise());
                // Clipped to norm 1 around the start: each offset update becomes a unit step.
                FedAvg replay = new FedAvg(LOCAL);
                assertEquals(List.of(), RoundAudit.check(o.record(), o.start(), o.inputs(), replay));
                assertEquals(1.0, o.record().preparation().clipNorm());
            }
        }
    }

    @Test
    void adaptiveClippingMovesTheNormAndEachRecordStatesTheOneItUsed() throws Exception {
        List<FederatedClient> clients = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            clients.add(honest(i));
        }
        // Update norms are 4·i (offset i on 16 values): far above the starting norm of 1.
        ClientLevelDp dp = new ClientLevelDp(ClientLevelDp.Mode.COORDINATOR, 1.0, 1.0, 1e-5, 1000, "rdp",
                new ClientLevelDp.AdaptiveClipping(0.5, 0.2, 1));
        FederatedRun.Settings s = new FederatedRun.Settings("adaptive", 6, 1.0, true, 1, Duration.ofSeconds(30), 3, 1e6, dp);
        List<RoundOutcome> out = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            new FederatedRun(s, new FedAvg(LOCAL), clients, key(200), ex, new SplittableRandom(5))
                    .run(new float[SIZE], w -> new double[] {0, 0}, out::add);
        }
        assertEquals(6, out.size());
        assertEquals(1.0, out.getFirst().record().preparation().clipNorm());
        assertTrue(out.getLast().record().preparation().clipNorm() > 1.2,
                "the norm should grow towards the median update norm: " + out.getLast().record().preparation().clipNorm());
        for (RoundOutcome o : out) {
            assertEquals(List.of(), RoundAudit.check(o.record(), o.start(), o.inputs(), new FedAvg(LOCAL)));
        }
    }

    @Test
    void aListenerCanEndTheRunAfterAnyRound() throws Exception {
        List<RoundOutcome> outcomes = new ArrayList<>();
        int[] asked = {0};
        float[] result;
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            result = new FederatedRun(settings(5, 1, Duration.ofSeconds(10)), new FedAvg(LOCAL), List.of(honest(1), honest(2)),
                    key(200), ex, new SplittableRandom(1)).run(new float[SIZE], w -> new double[] {0, 0},
                    new FederatedRun.Listener() {
                        @Override
                        public void roundEnded(RoundOutcome outcome) {
                            outcomes.add(outcome);
                        }

                        @Override
                        public boolean stopAfter(RoundOutcome outcome) {
                            asked[0]++;
                            return outcome.record().round() == 2;
                        }
                    });
        }
        assertEquals(2, outcomes.size());
        assertEquals(2, asked[0]);
        // Two rounds of the mean offset 1.5: the run's model is round 2's, not a later one's.
        assertArrayEquals(outcomes.get(1).model(), result);
        assertEquals(3.0f, result[0]);
    }
}
