package dev.mycel.federated.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.federated.client.ModelAverage;
import dev.mycel.federated.privacy.DpSgd;
import dev.mycel.federated.privacy.DpSgdSettings;
import dev.mycel.federated.round.FederatedRun;
import dev.mycel.federated.round.FitRequest;
import dev.mycel.federated.strategy.LocalTraining;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.data.Mnist;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Whole federated runs of the MNIST CNN over simulated clients: they learn, repeat bit for bit
 * on another thread count and whether clients are nodes on loopback or objects in memory, pass
 * every round's audit, survive drop-outs, and a robust rule keeps
 * learning where FedAvg is wrecked by sign-flipping clients.
 */
class FederatedSimulationTest {
    private static final Mnist DATA = Mnist.bundled();

    private static FederatedSimulation.Options options(String strategy, String partition, double fraction, int rounds,
                                                       double dropout, double byzantine, String attack, String transport) {
        return new FederatedSimulation.Options(10, fraction, rounds, strategy, partition, 1, 32, 0.02, "none", 1, 1e-5, 1.0,
                "rdp", dropout, byzantine, attack, 5, 1, Duration.ofMinutes(5), false, transport,
                FederatedSimulation.Options.NO_TARGET);
    }


    private static FederatedSimulation.Result run(FederatedSimulation.Options o, int threads, List<FederatedSimulation.Round> seen)
            throws InterruptedException {
        try (ThreadPool pool = new ThreadPool(threads)) {
            return new FederatedSimulation(o).run(pool, DATA, seen::add);
        }
    }

    @Test
    void fedAvgOnShardsLearnsAndRepeatsBitForBitOverTheNetworkAndInMemory() throws Exception {
        // Clients as nodes on loopback (mutual TLS, gRPC), on 2 threads; then in memory on 1.
        List<FederatedSimulation.Round> seen = new ArrayList<>();
        FederatedSimulation.Result two = run(options("fedavg", "shards:2", 0.5, 3, 0, 0, "signflip", "network"), 2, seen);
        FederatedSimulation.Result one = run(options("fedavg", "shards:2", 0.5, 3, 0, 0, "signflip", "memory"), 1,
                new ArrayList<>());
        assertEquals(two.modelSha256(), one.modelSha256());
        assertEquals(3, two.rounds());
        // Two classes a client and three rounds: far from converged, far above chance (10 %).
        assertTrue(two.accuracy() > 0.3, "accuracy " + two.accuracy());
        for (FederatedSimulation.Round r : seen) {
            assertEquals(List.of(), r.auditProblems());
            assertEquals(5, r.outcome().inputs().size(), r.outcome().record().refused().toString());
        }
    }

    @Test
    void secureAggregationWithDropOutsGivesTheSameModelOnEveryThreadCountAndTransport() throws Exception {
        // Three participants recomputing the run: on 2 threads over loopback TLS, on 1 and on 3
        // threads in memory. The masks differ every time (fresh keys); the unmasked sums do not.
        List<FederatedSimulation.Round> seen = new ArrayList<>();
        FederatedSimulation.Options network = options("fedavg", "iid", 0.6, 2, 0.3, 0, "signflip", "network");
        FederatedSimulation.Options memory = options("fedavg", "iid", 0.6, 2, 0.3, 0, "signflip", "memory");
        FederatedSimulation.Result two;
        FederatedSimulation.Result one;
        FederatedSimulation.Result three;
        try (ThreadPool pool = new ThreadPool(2)) {
            two = new FederatedSimulation(network).withSecureAggregation(10).run(pool, DATA, seen::add);
        }
        try (ThreadPool pool = new ThreadPool(1)) {
            one = new FederatedSimulation(memory).withSecureAggregation(10).run(pool, DATA, r -> { });
        }
        try (ThreadPool pool = new ThreadPool(3)) {
            three = new FederatedSimulation(memory).withSecureAggregation(10).run(pool, DATA, r -> { });
        }
        assertEquals(two.modelSha256(), one.modelSha256());
        assertEquals(two.modelSha256(), three.modelSha256());
        assertTrue(two.bytesUp() > 0 && one.bytesUp() == -1);
        int dropped = 0;
        for (FederatedSimulation.Round r : seen) {
            assertTrue(r.outcome().record().applied(), r.outcome().record().refused().toString());
            assertEquals(List.of(), r.auditProblems());
            assertTrue(r.outcome().inputs().isEmpty(), "no update in the clear");
            dropped += r.outcome().record().refused().size();
        }
        assertTrue(dropped > 0, "30 % drop-out over 12 requests dropped none");
    }

    @Test
    void dropOutsCostTheirUpdatesNotTheRound() throws Exception {
        List<FederatedSimulation.Round> seen = new ArrayList<>();
        run(options("fedavg", "iid", 1.0, 2, 0.3, 0, "signflip", "network"), 2, seen);
        int dropped = 0;
        for (FederatedSimulation.Round r : seen) {
            assertTrue(r.outcome().record().applied());
            dropped += r.outcome().record().refused().size();
            assertTrue(r.outcome().record().refused().toString().contains("simulated drop-out")
                    || r.outcome().record().refused().isEmpty());
            assertEquals(List.of(), r.auditProblems());
        }
        assertTrue(dropped > 0, "30 % drop-out over 20 requests dropped none");
    }

    @Test
    void aRobustRuleResistsSignFlippingWhereFedAvgDoesNot() throws Exception {
        // 3 of 10 clients send their honest update reflected and scaled by 4 around the global model.
        FederatedSimulation.Result avg = run(options("fedavg", "iid", 1.0, 2, 0, 0.3, "signflip:4", "memory"), 2, new ArrayList<>());
        FederatedSimulation.Result median = run(options("fedmedian", "iid", 1.0, 2, 0, 0.3, "signflip:4", "memory"), 2, new ArrayList<>());
        assertTrue(median.accuracy() > 0.6, "median " + median.accuracy());
        assertTrue(avg.accuracy() < median.accuracy() - 0.2, "fedavg " + avg.accuracy() + " vs median " + median.accuracy());
    }

    @Test
    void attackersThatDropOutDoNotStallTheirCoalition() throws Exception {
        FederatedSimulation.Options o = new FederatedSimulation.Options(10, 1.0, 2, "krum", "iid", 1, 32, 0.02, "none", 1, 1e-5,
                1.0, "rdp", 0.4, 0.3, "signflip:4", 11, 1, Duration.ofMinutes(2), false, "network",
                FederatedSimulation.Options.NO_TARGET);
        long t0 = System.nanoTime();
        List<FederatedSimulation.Round> seen = new ArrayList<>();
        run(o, 2, seen);
        assertTrue((System.nanoTime() - t0) / 1e9 < 100, "the round waited for a dropped attacker");
        assertEquals(2, seen.size());
    }

    @Test
    void aTargetAccuracyEndsTheRunAtTheFirstRoundThatReachesIt() throws Exception {
        // 100 clients of 80 digits, 10 a round, FedSGD (one full-batch step each): cheap rounds.
        List<FederatedSimulation.Round> seen = new ArrayList<>();
        FederatedSimulation.Options o = new FederatedSimulation.Options(100, 0.1, 12, "fedavg", "iid", 1, 0, 0.3, "none", 1,
                1e-5, 1.0, "rdp", 0, 0, "signflip", 5, 1, Duration.ofMinutes(2), false, "memory", 0.3);
        FederatedSimulation.Result r = run(o, 2, seen);
        assertTrue(r.targetRound() > 0 && r.targetRound() < 12, "target round " + r.targetRound());
        assertEquals(r.targetRound(), r.rounds());
        assertEquals(r.rounds(), seen.size());
        assertTrue(seen.getLast().outcome().accuracy() >= 0.3);
        for (FederatedSimulation.Round earlier : seen.subList(0, seen.size() - 1)) {
            assertTrue(earlier.outcome().accuracy() < 0.3);
        }
        FederatedSimulation.Options never = new FederatedSimulation.Options(100, 0.1, 1, "fedavg", "iid", 1, 0, 0.3, "none", 1,
                1e-5, 1.0, "rdp", 0, 0, "signflip", 5, 1, Duration.ofMinutes(2), false, "memory", 1.0);
        FederatedSimulation.Result missed = run(never, 2, new ArrayList<>());
        assertEquals(0, missed.targetRound());
        assertEquals(1, missed.rounds());
        assertThrows(IllegalArgumentException.class, () -> new FederatedSimulation.Options(100, 0.1, 1, "fedavg", "iid", 1, 0,
                0.3, "none", 1, 1e-5, 1.0, "rdp", 0, 0, "signflip", 5, 1, Duration.ofMinutes(2), false, "memory", 1.5));
        assertThrows(IllegalArgumentException.class, () -> new FederatedSimulation.Options(100, 0.1, 1, "fedavg", "iid", 1, -1,
                0.3, "none", 1, 1e-5, 1.0, "rdp", 0, 0, "signflip", 5, 1, Duration.ofMinutes(2), false, "memory",
                FederatedSimulation.Options.NO_TARGET));
    }

    @Test
    void dpSgdNoiseIsCalibratedForTheRoundsAClientIsLikelyPickedIn() throws Exception {
        // 3 rounds picking 5 of 100: 99 % of clients train in at most one, so the noise is for
        // one round of 5 steps (q = 16 / 80), not the three rounds it once assumed.
        double[] sigma = {Double.NaN};
        List<FederatedSimulation.Round> seen = new ArrayList<>();
        FederatedSimulation.Options o = new FederatedSimulation.Options(100, 0.05, 3, "fedavg", "iid", 1, 16, 0.05, "example", 2,
                1e-5, 1.0, "rdp", 0, 0, "signflip", 5, 1, Duration.ofMinutes(2), false, "memory",
                FederatedSimulation.Options.NO_TARGET);
        try (ThreadPool pool = new ThreadPool(2)) {
            new FederatedSimulation(o).run(pool, DATA, recording(sigma, seen));
        }
        assertEquals(1, ParticipationBound.rounds(3, 0.05, ParticipationBound.QUANTILE));
        double planned = DpSgdSettings.calibrated(2, 1e-5, 0.2, 5, 1.0, "rdp").noiseMultiplier();
        double everyRound = DpSgdSettings.calibrated(2, 1e-5, 0.2, 15, 1.0, "rdp").noiseMultiplier();
        assertEquals(planned, sigma[0], 1e-12);
        assertTrue(planned < everyRound, planned + " against " + everyRound);
        for (FederatedSimulation.Round r : seen) {
            // The accountant composes the steps each client ran: none past the budget.
            assertTrue(r.clientEpsilon() <= 2.0, "client epsilon " + r.clientEpsilon());
            for (var refusal : r.outcome().record().refused()) {
                assertTrue(refusal.reason().contains("privacy budget spent"), refusal.reason());
            }
        }
    }

    @Test
    void distributedDpSgdIsOneStepARoundWithTheNoiseSharedUnderSecureAggregation() throws Exception {
        // 10 clients of 800 digits, all picked, 30 % drop-outs, q = 40 / 800: each round is one
        // DP-SGD step whose noise the clients add in shares sized for 6 (60 % of 10) of them.
        FederatedSimulation.Options o = new FederatedSimulation.Options(10, 1.0, 2, "fedavg", "iid", 1, 40, 1.0, "distributed", 2,
                1e-5, 1.0, "prv", 0.3, 0, "signflip", 3, 1, Duration.ofMinutes(2), false, "memory",
                FederatedSimulation.Options.NO_TARGET);
        double[] sigma = {Double.NaN};
        List<FederatedSimulation.Round> seen = new ArrayList<>();
        FederatedSimulation.Listener listener = recording(sigma, seen);
        FederatedSimulation.Result result;
        try (ThreadPool pool = new ThreadPool(2)) {
            result = new FederatedSimulation(o).withSecureAggregation(10).run(pool, DATA, listener);
            // Without secure aggregation the shares would be seen one by one: refused, with the fix.
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new FederatedSimulation(o).run(pool, DATA, listener));
            assertTrue(e.getMessage().contains("add --secagg"), e.getMessage());
        }
        // Every client takes part in both rounds: σ is for 2 steps at q = 0.05.
        assertEquals(DpSgdSettings.calibrated(2, 1e-5, 0.05, 2, 1.0, "prv").noiseMultiplier(), sigma[0], 1e-12);
        assertEquals(2, seen.size());
        for (FederatedSimulation.Round r : seen) {
            assertEquals(List.of(), r.auditProblems());
            if (r.outcome().record().applied()) {
                assertEquals(6, r.outcome().secure().setup().noiseShares());
                assertTrue(r.outcome().secure().survivors().size() >= 6);
            } else {
                // Fewer than 6 inputs: never unmasked (or too few neighbours left to unmask at all).
                String why = r.outcome().record().refused().toString();
                assertTrue(why.contains("the DP noise was shared among") || why.contains("too many drop-outs"), why);
            }
            assertTrue(r.clientEpsilon() > 0 && r.clientEpsilon() <= 2.0, "client epsilon " + r.clientEpsilon());
        }
        assertTrue(result.epsilon() > 0 && result.epsilon() <= 2.0);
        // Settings that cannot work are refused with the reason.
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class, () -> new FederatedSimulation.Options(10, 1.0,
                2, "fedavg", "iid", 1, 0, 1.0, "distributed", 2, 1e-5, 1.0, "prv", 0.3, 0, "signflip", 3, 1,
                Duration.ofMinutes(2), false, "memory", FederatedSimulation.Options.NO_TARGET));
        assertTrue(batch.getMessage().contains("--batch must be between 1 and 799"), batch.getMessage());
        IllegalArgumentException byzantine = assertThrows(IllegalArgumentException.class, () -> new FederatedSimulation.Options(10,
                1.0, 2, "fedavg", "iid", 1, 40, 1.0, "distributed", 2, 1e-5, 1.0, "prv", 0.3, 0.2, "signflip", 3, 1,
                Duration.ofMinutes(2), false, "memory", FederatedSimulation.Options.NO_TARGET));
        assertTrue(byzantine.getMessage().contains("--byzantine"), byzantine.getMessage());
    }

    @Test
    void aModelAverageIsWhatTheRunEvaluatesAndReturnsWhileRecordsKeepEachRoundsModel() throws Exception {
        // FedSGD rounds over 100 clients of 80 digits, 10 a round: cheap.
        List<FederatedSimulation.Round> seen = new ArrayList<>();
        FederatedSimulation.Options o = new FederatedSimulation.Options(100, 0.1, 4, "fedavg", "iid", 1, 0, 0.3, "none", 1,
                1e-5, 1.0, "rdp", 0, 0, "signflip", 5, 1, Duration.ofMinutes(2), false, "memory",
                FederatedSimulation.Options.NO_TARGET);
        FederatedSimulation.Result r;
        try (ThreadPool pool = new ThreadPool(2)) {
            r = new FederatedSimulation(o).withModelAverage(0.9).run(pool, DATA, seen::add);
        }
        ModelAverage average = new ModelAverage(0.9);
        float[] expected = null;
        for (FederatedSimulation.Round round : seen) {
            assertEquals(List.of(), round.auditProblems());
            expected = average.add(round.outcome().model());
        }
        assertEquals(4, seen.size());
        assertArrayEquals(expected, r.model());
        assertEquals(FederatedRun.sha256(expected), r.modelSha256());
        // The records still commit to each round's own global model, not to the average.
        String recorded = HexFormat.of().formatHex(seen.getLast().outcome().record().modelSha256());
        assertEquals(FederatedRun.sha256(seen.getLast().outcome().model()), recorded);
        assertTrue(!r.modelSha256().equals(recorded));
        assertThrows(IllegalArgumentException.class, () -> new FederatedSimulation(o).withModelAverage(1.5));
    }

    /** A listener that keeps the noise multiplier in {@code sigma[0]} and every round in {@code seen}. */
    private static FederatedSimulation.Listener recording(double[] sigma, List<FederatedSimulation.Round> seen) {
        return new FederatedSimulation.Listener() {
            @Override
            public void started(double noiseMultiplier, int byzantineClients) {
                sigma[0] = noiseMultiplier;
            }

            @Override
            public void round(FederatedSimulation.Round round) {
                seen.add(round);
            }
        };
    }

    @Test
    void aClientWhoseBudgetIsSpentRefusesToTrain() {
        float[] global = dev.mycel.federated.client.ParameterVector.of(new dev.mycel.train.models.MnistCnn(5, 0f).parameters());
        DpSgdSettings settings = new DpSgdSettings(1.0, 1.0, 1e-5, 2.0, "rdp");
        try (ThreadPool pool = new ThreadPool(1)) {
            SimulatedClient client = new SimulatedClient(FederatedSimulation.simulatedIdentity(5, 0), pool,
                    DATA.select(new int[] {0, 1, 2, 3}), 5, null, new DpSgd(settings, 0.5, new java.util.SplittableRandom(1), 0),
                    null, 1, new java.util.SplittableRandom(2));
            FitRequest request = new FitRequest("run", 1, global, new LocalTraining(1, 2, 0.05).forRound(1, 0));
            Exception e = assertThrows(IllegalStateException.class, () -> client.fit(request));
            assertTrue(e.getMessage().contains("privacy budget spent"), e.getMessage());
        }
    }
}
