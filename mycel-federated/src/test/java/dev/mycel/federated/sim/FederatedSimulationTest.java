package dev.mycel.federated.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.data.Mnist;
import java.time.Duration;
import java.util.ArrayList;
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
}
