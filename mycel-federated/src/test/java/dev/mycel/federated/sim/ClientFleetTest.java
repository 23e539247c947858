package dev.mycel.federated.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.federated.client.LocalMnistClient;
import dev.mycel.federated.round.FederatedClient;
import dev.mycel.federated.round.Hashes;
import dev.mycel.federated.round.RoundRecord;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.data.Mnist;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A fleet's clients built as {@code fl join --shard I/N --partition KIND --partition-seed S --seed
 * T} builds its participant ({@link LocalMnistClient} on {@link FederatedSimulation#clientDigits}
 * with the member's key and training seed) give the in-JVM simulation's model bit for bit, on a
 * skewed partition, with the drop-outs in the same rounds.
 */
class ClientFleetTest {
    private static final Mnist DATA = Mnist.bundled();

    @Test
    void aFleetOfJoinedClientsGivesTheInJvmRunBitForBit() throws Exception {
        FederatedSimulation.Options o = new FederatedSimulation.Options(10, 0.2, 2, "fedavg", "shards:2", 1, 32, 0.02, "none", 1,
                1e-5, 1.0, "rdp", 0.3, 0, "signflip", 5, 1, Duration.ofMinutes(5), false, "memory",
                FederatedSimulation.Options.NO_TARGET);
        List<FederatedSimulation.Round> inJvm = new ArrayList<>();
        List<FederatedSimulation.Round> inFleet = new ArrayList<>();
        List<Integer> started = new ArrayList<>();
        try (ThreadPool pool = new ThreadPool(2)) {
            FederatedSimulation.Result expected = new FederatedSimulation(o).run(pool, DATA, inJvm::add);
            ClientFleet fleet = (options, coordinator, members, traffic) -> {
                List<FederatedClient> clients = new ArrayList<>();
                for (ClientFleet.Member m : members) {
                    started.add(m.index());
                    Mnist digits = FederatedSimulation.clientDigits(Mnist.bundled(), options.partition(), options.clients(), m.index(),
                            options.seed());
                    clients.add(new LocalMnistClient(m.identity(), pool, digits, m.trainingSeed()));
                }
                return clients;
            };
            FederatedSimulation.Result got = new FederatedSimulation(o).run(pool, DATA, fleet, inFleet::add);
            assertEquals(expected.modelSha256(), got.modelSha256());
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), started);
        int dropped = 0;
        for (int r = 0; r < 2; r++) {
            assertEquals(inputs(inJvm.get(r)), inputs(inFleet.get(r)));
            assertEquals(List.of(), inFleet.get(r).auditProblems());
            dropped += inFleet.get(r).outcome().record().refused().size();
        }
        assertTrue(dropped > 0, "30 % drop-out over 4 requests dropped none: pick another seed");
    }

    private static List<String> inputs(FederatedSimulation.Round r) {
        List<String> in = new ArrayList<>();
        for (RoundRecord.Input i : r.outcome().record().inputs()) {
            in.add(i.clientId() + " " + i.numExamples() + " " + Hashes.hex(i.commitment()));
        }
        return in;
    }

    @Test
    void aShardIsRefusedOutsideItsRange() {
        assertThrows(IllegalArgumentException.class, () -> FederatedSimulation.clientDigits(DATA, "iid", 10, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> FederatedSimulation.clientDigits(DATA, "iid", 0, 0, 1));
        assertEquals(800, FederatedSimulation.clientDigits(DATA, "iid", 10, 9, 1).size());
    }
}
