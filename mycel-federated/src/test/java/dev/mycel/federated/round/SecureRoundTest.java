package dev.mycel.federated.round;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.federated.privacy.ClientLevelDp;
import dev.mycel.federated.secagg.SecAggMessage.ForwardedShares;
import dev.mycel.federated.secagg.SecAggMessage.ShareKeys;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskRequest;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskResponse;
import dev.mycel.federated.strategy.ClientUpdate;
import dev.mycel.federated.strategy.FedAvg;
import dev.mycel.federated.strategy.FedMedian;
import dev.mycel.federated.strategy.LocalTraining;
import dev.mycel.net.identity.NodeIdentity;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Rounds with secure aggregation, with clients whose "training" is a known vector, so the true
 * weighted mean is known: the secure round gives it up to the fixed-point rounding; clients that
 * drop after sharing their keys (up to a third) leave exactly the plain sum of the others; every
 * audit passes; a coordinator that publishes another aggregate, or unmasks with a seed that is
 * not the client's, is caught.
 */
class SecureRoundTest {
    private static final int SIZE = 40;
    private static final LocalTraining LOCAL = new LocalTraining(1, 8, 0.1);
    private static final double CLIP = 4.0;

    /** A client that trains to global + a vector of its own and takes part in secure aggregation; it may drop at one exchange. */
    static final class Client implements FederatedClient {
        final NodeIdentity key;
        final int index;
        final int examples;
        final int dropAt;
        final SecureParticipant secure;
        double noiseStd;
        volatile boolean askedToUnmask;

        Client(int index, int examples, int dropAt) {
            byte[] seed = new byte[32];
            seed[0] = (byte) index;
            seed[1] = 77;
            this.key = NodeIdentity.fromSeed(seed);
            this.index = index;
            this.examples = examples;
            this.dropAt = dropAt;
            this.secure = new SecureParticipant(key, new SecureRandom());
        }

        @Override
        public String id() {
            return key.peerId().toString();
        }

        float[] trained(float[] global) {
            float[] w = global.clone();
            SplittableRandom r = new SplittableRandom(index);
            for (int i = 0; i < w.length; i++) {
                w[i] += (float) (r.nextDouble() - 0.5) * 0.2f;
            }
            return w;
        }

        private void maybeDrop(int stage) throws java.io.IOException {
            if (stage == dropAt) {
                throw new java.io.IOException("gone");
            }
        }

        @Override
        public SignedUpdate fit(FitRequest r) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SignedKeys secureFit(SecureFitRequest r) throws Exception {
            maybeDrop(0);
            return secure.begin(r, new ClientUpdate(id(), trained(r.fit().global()), examples), noiseStd,
                    new SplittableRandom(1000 + index));
        }

        @Override
        public ShareKeys shareKeys(String runId, int round, List<SignedKeys> keys) throws Exception {
            maybeDrop(1);
            return secure.shareKeys(runId, round, keys);
        }

        @Override
        public SignedMaskedInput maskedInput(String runId, int round, ForwardedShares shares) throws Exception {
            maybeDrop(2);
            return secure.maskedInput(runId, round, shares);
        }

        @Override
        public UnmaskResponse unmask(String runId, int round, UnmaskRequest request) throws Exception {
            askedToUnmask = true;
            maybeDrop(3);
            return secure.unmask(runId, round, request);
        }
    }

    private static NodeIdentity coordinatorKey() {
        byte[] seed = new byte[32];
        seed[5] = 9;
        return NodeIdentity.fromSeed(seed);
    }

    private static FederatedRun.Settings settings(long weightBound) {
        return new FederatedRun.Settings("secure-run", 1, 1.0, false, 1, Duration.ofSeconds(30), 7, 100, null,
                new SecureAggregation(CLIP, weightBound));
    }

    private static RoundOutcome run(FederatedRun.Settings s, List<Client> clients) throws Exception {
        List<RoundOutcome> out = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            new FederatedRun(s, new FedAvg(LOCAL), new ArrayList<>(clients), coordinatorKey(), ex, new SplittableRandom(1))
                    .run(new float[SIZE], w -> new double[] {0, 0}, out::add);
        }
        return out.getFirst();
    }

    /** The example-weighted mean of the survivors' updates, in double. */
    private static double[] plainMean(List<Client> clients, List<String> survivors, long weightBound) {
        double[] acc = new double[SIZE];
        double total = 0;
        for (Client c : clients) {
            if (!survivors.contains(c.id())) {
                continue;
            }
            double w = SecureInput.weight(c.examples, weightBound);
            float[] t = c.trained(new float[SIZE]);
            for (int i = 0; i < SIZE; i++) {
                acc[i] += w * t[i];
            }
            total += w;
        }
        for (int i = 0; i < SIZE; i++) {
            acc[i] /= total;
        }
        return acc;
    }

    private static void assertClose(double[] expected, float[] actual, double tolerance) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance, "coordinate " + i);
        }
    }

    @Test
    void theSecureMeanIsThePlainWeightedMeanAndTheAuditPasses() throws Exception {
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            clients.add(new Client(i, 10 + 5 * i, -1));
        }
        RoundOutcome o = run(settings(50), clients);
        assertTrue(o.record().applied(), o.record().refused().toString());
        assertEquals(8, o.record().inputs().size());
        assertTrue(o.inputs().isEmpty(), "no update is seen in the clear");
        // Fixed point with headroom for 8 clients over [-4, 4]: far finer than float32 noise here.
        assertClose(plainMean(clients, o.secure().survivors(), 50), o.model(), 1e-5);
        Client own = clients.get(3);
        assertEquals(List.of(), RoundAudit.checkSecure(o.record(), o.start(), o.secure(), new FedAvg(LOCAL), own.id(),
                own.secure.maskSeedSha256("secure-run", 1)));
    }

    @Test
    void aThirdDroppingAfterSharingKeysLeavesExactlyTheSumOfTheOthers() throws Exception {
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            clients.add(new Client(i, 20, i < 4 ? 2 : -1));
        }
        RoundOutcome o = run(settings(0), clients);
        assertTrue(o.record().applied(), o.record().refused().toString());
        assertEquals(8, o.secure().survivors().size());
        assertEquals(4, o.secure().dropped().size());
        assertEquals(4, o.record().refused().size(), o.record().refused().toString());
        assertClose(plainMean(clients, o.secure().survivors(), 0), o.model(), 1e-5);
        assertEquals(List.of(), RoundAudit.checkSecure(o.record(), o.start(), o.secure(), new FedAvg(LOCAL), null, null));
    }

    @Test
    void dropOutsAtEveryExchangeCostOnlyTheirOwnInputs() throws Exception {
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            // One drops while training, one before sharing, one after sharing, one after sending its masked input.
            clients.add(new Client(i, 20, i < 4 ? i : -1));
        }
        RoundOutcome o = run(settings(0), clients);
        assertTrue(o.record().applied(), o.record().refused().toString());
        // The one that left after masking is in the sum: its neighbours revealed its seed.
        assertEquals(9, o.secure().survivors().size());
        assertTrue(o.secure().survivors().contains(clients.get(3).id()));
        assertEquals(List.of(clients.get(2).id()), o.secure().dropped());
        assertClose(plainMean(clients, o.secure().survivors(), 0), o.model(), 1e-5);
        assertEquals(List.of(), RoundAudit.checkSecure(o.record(), o.start(), o.secure(), new FedAvg(LOCAL), null, null));
    }

    @Test
    void tooManyDropOutsEndTheRoundWithoutASumNeverAWrongOne() throws Exception {
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            clients.add(new Client(i, 20, i < 5 ? 2 : -1));
        }
        RoundOutcome o = run(settings(0), clients);
        assertFalse(o.record().applied());
        assertArrayEquals(o.start(), o.model());
        assertTrue(o.record().refused().toString().contains("round not applied: too many drop-outs"), o.record().refused().toString());
    }

    @Test
    void aCoordinatorThatLiesIsCaught() throws Exception {
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            clients.add(new Client(i, 10, i == 0 ? 2 : -1));
        }
        RoundOutcome o = run(settings(0), clients);
        RoundRecord r = o.record();
        SecureTranscript t = o.secure();
        // Another aggregate, signed by the coordinator.
        byte[] other = Hashes.sha256(new float[SIZE]);
        RoundRecord lie = new RoundRecord(r.runId(), r.round(), r.strategy(), r.startSha256(), r.inputs(), r.refused(), true,
                r.preparation(), other, false, other, r.secureSha256(), "", new byte[0]).signedBy(coordinatorKey());
        assertTrue(RoundAudit.checkSecure(lie, o.start(), t, new FedAvg(LOCAL), null, null).toString().contains("the record claims"));
        // A transcript whose published seed for a survivor is not that survivor's: the survivor sees it.
        Client own = clients.get(2);
        Map<String, byte[]> seeds = new TreeMap<>(t.seeds());
        seeds.put(own.id(), new byte[32]);
        SecureTranscript forged = new SecureTranscript(t.runId(), t.round(), t.modelLength(), t.setup(), t.keys(), t.dropped(),
                t.masked(), seeds, t.droppedKeys());
        RoundRecord consistent = new RoundRecord(r.runId(), r.round(), r.strategy(), r.startSha256(), r.inputs(), r.refused(), true,
                r.preparation(), r.aggregateSha256(), false, r.modelSha256(), forged.sha256(), "", new byte[0])
                .signedBy(coordinatorKey());
        assertTrue(RoundAudit.checkSecure(consistent, o.start(), forged, new FedAvg(LOCAL), own.id(),
                own.secure.maskSeedSha256("secure-run", 1)).toString().contains("is not its own"));
        // A dropped client's key swapped for another: it is not the key that client signed.
        String dropped = t.dropped().getFirst();
        Map<String, byte[]> keys = new TreeMap<>(t.droppedKeys());
        byte[] k = keys.get(dropped).clone();
        k[5] ^= 1; // not a bit X25519 clamps away
        keys.put(dropped, k);
        SecureTranscript badKey = new SecureTranscript(t.runId(), t.round(), t.modelLength(), t.setup(), t.keys(), t.dropped(),
                t.masked(), t.seeds(), keys);
        RoundRecord withBadKey = new RoundRecord(r.runId(), r.round(), r.strategy(), r.startSha256(), r.inputs(), r.refused(), true,
                r.preparation(), r.aggregateSha256(), false, r.modelSha256(), badKey.sha256(), "", new byte[0])
                .signedBy(coordinatorKey());
        assertTrue(RoundAudit.checkSecure(withBadKey, o.start(), badKey, new FedAvg(LOCAL), null, null).toString()
                .contains("is not the key it advertised"));
        // The honest record, for contrast, passes.
        assertEquals(List.of(), RoundAudit.checkSecure(r, o.start(), t, new FedAvg(LOCAL), null, null));
    }

    @Test
    void clientsAddingTheirNoiseShareGiveTheNoisyMeanAndTheAuditStillPasses() throws Exception {
        // Client-level DP, client side: sigma 1, S = 4, 10 clients; each adds N(0, (sigma S)^2 / 10).
        ClientLevelDp dp = new ClientLevelDp(ClientLevelDp.Mode.CLIENT, 1.0, CLIP, 1e-5, 100, "rdp", null);
        List<Client> clients = new ArrayList<>();
        double share = ClientLevelDp.clientNoiseShare(dp, 10);
        for (int i = 0; i < 10; i++) {
            Client c = new Client(i, 10, -1);
            c.noiseStd = share;
            clients.add(c);
        }
        FederatedRun.Settings s = new FederatedRun.Settings("secure-run", 1, 1.0, true, 1, Duration.ofSeconds(30), 7, 100, dp,
                new SecureAggregation(CLIP, 0));
        List<RoundOutcome> out = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            new FederatedRun(s, new FedAvg(LOCAL), new ArrayList<>(clients), coordinatorKey(), ex, new SplittableRandom(1))
                    .run(new float[SIZE], w -> new double[] {0, 0}, out::add);
        }
        RoundOutcome o = out.getFirst();
        assertTrue(o.record().applied(), o.record().refused().toString());
        assertFalse(o.record().coordinatorNoise(), "the noise is the clients'");
        double[] plain = plainMean(clients, o.secure().survivors(), 0);
        double sq = 0;
        for (int i = 0; i < SIZE; i++) {
            sq += (o.model()[i] - plain[i]) * (o.model()[i] - plain[i]);
        }
        // The mean of m shares has std share / sqrt(m) = sigma S / m per value.
        double std = Math.sqrt(sq / SIZE);
        double expected = share / Math.sqrt(o.secure().survivors().size());
        assertTrue(std > expected / 2 && std < expected * 2, "noise std " + std + ", expected about " + expected);
        assertEquals(List.of(), RoundAudit.checkSecure(o.record(), o.start(), o.secure(), new FedAvg(LOCAL), null, null));
        // A setup without room for the noise is refused by the client rather than clamping it.
        Client c = clients.getFirst();
        SecureSetup tight = SecureSetup.draw(clients.stream().map(Client::id).toList(), CLIP, 0, new SecureRandom());
        FitRequest fit = new FitRequest("secure-run", 2, new float[SIZE], LOCAL.forRound(2, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.secureFit(new SecureFitRequest(fit, tight)));
        assertTrue(e.getMessage().contains("leaves no room for noise"), e.getMessage());
        assertTrue(tight.withNoiseRoom(share).valueRange() >= CLIP + 8 * share);
    }

    @Test
    void distributedNoiseSharesAddUpInTheSumAndTooFewSharesAreNeverUnmasked() throws Exception {
        // Distributed DP: each of 12 clients adds N(0, s^2 / 8), sized for m' = 8; two drop before
        // masking, so the sum of 10 carries 10/8 of the variance s^2: at least the whole noise.
        double s = 0.5;
        int shares = 8;
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Client c = new Client(i, 10, i < 2 ? 1 : -1);
            c.noiseStd = s / Math.sqrt(shares);
            clients.add(c);
        }
        FederatedRun.Settings settings = new FederatedRun.Settings("secure-run", 1, 1.0, false, 1, Duration.ofSeconds(30), 7, 100,
                null, new SecureAggregation(CLIP, 0, s / Math.sqrt(shares), shares));
        RoundOutcome o = run(settings, clients);
        assertTrue(o.record().applied(), o.record().refused().toString());
        assertEquals(shares, o.secure().setup().noiseShares());
        assertTrue(o.secure().setup().valueRange() >= CLIP + 8 * s / Math.sqrt(shares));
        int m = o.secure().survivors().size();
        assertEquals(10, m);
        double[] plain = plainMean(clients, o.secure().survivors(), 0);
        double sq = 0;
        for (int i = 0; i < SIZE; i++) {
            sq += (o.model()[i] - plain[i]) * (o.model()[i] - plain[i]);
        }
        // The mean of the sum: std s * sqrt(m / m') / m per value (seeded noise, 40 values).
        double std = Math.sqrt(sq / SIZE);
        double expected = s * Math.sqrt((double) m / shares) / m;
        assertTrue(std > expected * 0.6 && std < expected * 1.4, "noise std " + std + ", expected about " + expected);
        assertEquals(List.of(), RoundAudit.checkSecure(o.record(), o.start(), o.secure(), new FedAvg(LOCAL), null, null));

        // Five of twelve drop before masking: 7 inputs, fewer than 8 shares. The coordinator asks
        // nobody for shares, and the round keeps its model.
        List<Client> fewer = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Client c = new Client(i, 10, i < 5 ? 1 : -1);
            c.noiseStd = s / Math.sqrt(shares);
            fewer.add(c);
        }
        RoundOutcome short_ = run(settings, fewer);
        assertFalse(short_.record().applied());
        assertArrayEquals(short_.start(), short_.model());
        assertTrue(short_.record().refused().toString().contains("fewer than the 8 the DP noise was shared among"),
                short_.record().refused().toString());
        assertTrue(fewer.stream().noneMatch(c -> c.askedToUnmask), "no client was asked for its shares");
    }

    @Test
    void aParticipantWillNotRevealSharesForASumWithTooFewNoiseShares() throws Exception {
        // A coordinator that asks anyway (claiming few survivors) is refused by the client itself.
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            clients.add(new Client(i, 10, -1));
        }
        SecureSetup setup = SecureSetup.draw(clients.stream().map(Client::id).toList(), CLIP, 0, new SecureRandom())
                .withNoiseRoom(0.1).withNoiseShares(5);
        Client c = clients.getFirst();
        c.noiseStd = 0.1;
        c.secureFit(new SecureFitRequest(new FitRequest("secure-run", 1, new float[SIZE], LOCAL.forRound(1, 0)), setup));
        List<String> three = List.of(clients.get(1).id(), clients.get(2).id(), clients.get(3).id());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.secure.unmask("secure-run", 1,
                new UnmaskRequest(SecureSetup.roundId("secure-run", 1), c.id(), three, List.of())));
        assertTrue(e.getMessage().contains("refusing to reveal shares"), e.getMessage());
        // A setup cannot ask for more shares than clients, nor distributed noise with unequal weights.
        assertThrows(IllegalArgumentException.class, () -> setup.withNoiseShares(7));
        assertThrows(IllegalArgumentException.class, () -> new SecureAggregation(CLIP, 50, 0.1, 5));
        assertThrows(IllegalArgumentException.class, () -> new SecureAggregation(CLIP, 0, 0.1, 0));
    }

    @Test
    void adaptiveClippingLearnsItsCountFromTheSecureSum() throws Exception {
        // Every update (norm about 0.37) is well within S = 4: the count says so and the norm shrinks.
        ClientLevelDp dp = new ClientLevelDp(ClientLevelDp.Mode.COORDINATOR, 1.0, CLIP, 1e-5, 100, "rdp",
                new ClientLevelDp.AdaptiveClipping(0.5, 0.2, 0.6));
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            clients.add(new Client(i, 10, -1));
        }
        FederatedRun.Settings s = new FederatedRun.Settings("secure-run", 3, 1.0, true, 1, Duration.ofSeconds(30), 7, 100, dp,
                new SecureAggregation(CLIP, 0));
        List<RoundOutcome> out = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            new FederatedRun(s, new FedAvg(LOCAL), new ArrayList<>(clients), coordinatorKey(), ex, new SplittableRandom(1))
                    .run(new float[SIZE], w -> new double[] {0, 0}, out::add);
        }
        assertEquals(3, out.size());
        double previous = Double.POSITIVE_INFINITY;
        for (RoundOutcome o : out) {
            assertTrue(o.record().applied(), o.record().refused().toString());
            double clip = o.record().preparation().clipNorm();
            assertTrue(clip < previous, "the clipping norm should shrink: " + clip + " after " + previous);
            previous = clip;
            assertTrue(o.secure().setup().countWithin());
            // The record states the norm each round used; the audit repeats the round with it.
            FedAvg replay = new FedAvg(LOCAL);
            assertEquals(List.of(), RoundAudit.checkSecure(o.record(), o.start(), o.secure(), replay, null, null));
        }
        assertEquals(CLIP, out.getFirst().record().preparation().clipNorm());
    }

    @Test
    void aListenerEndsASecureRunAfterAnyRound() throws Exception {
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            clients.add(new Client(i, 10, -1));
        }
        FederatedRun.Settings s = new FederatedRun.Settings("secure-run", 4, 1.0, false, 1, Duration.ofSeconds(30), 7, 100, null,
                new SecureAggregation(CLIP, 0));
        List<RoundOutcome> out = new ArrayList<>();
        float[] last;
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            last = new FederatedRun(s, new FedAvg(LOCAL), new ArrayList<>(clients), coordinatorKey(), ex, new SplittableRandom(1))
                    .run(new float[SIZE], w -> new double[] {0, 0}, new FederatedRun.Listener() {
                        @Override
                        public void roundEnded(RoundOutcome outcome) {
                            out.add(outcome);
                        }

                        @Override
                        public boolean stopAfter(RoundOutcome outcome) {
                            return outcome.record().round() == 2;
                        }
                    });
        }
        assertEquals(2, out.size());
        assertArrayEquals(out.get(1).model(), last);
    }

    @Test
    void theGraphIsSparseOnlyWhereDropOutsCannotCutASurvivorOff() {
        // A third dropping: every other client up to hundreds of clients.
        assertEquals(11, SecureSetup.degreeFor(12, 1.0 / 3));
        assertEquals(99, SecureSetup.degreeFor(100, 1.0 / 3));
        // Rare drop-outs over many clients: SecAgg+'s logarithmic degree, or close to it.
        int k = SecureSetup.degreeFor(1000, 0.01);
        assertTrue(k >= 20 && k <= 40, "degree " + k);
    }

    @Test
    void robustRulesAndTooFewClientsAreRefusedClearly() throws Exception {
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FederatedRun(settings(0),
                    new FedMedian(LOCAL), List.of(new Client(1, 10, -1)), coordinatorKey(), ex, new SplittableRandom(1)));
            assertTrue(e.getMessage().contains("secure aggregation hides"), e.getMessage());
        }
        RoundOutcome o = run(settings(0), List.of(new Client(1, 10, -1), new Client(2, 10, -1)));
        assertFalse(o.record().applied());
        assertTrue(o.record().refused().toString().contains("at least 3 clients"), o.record().refused().toString());
    }
}
