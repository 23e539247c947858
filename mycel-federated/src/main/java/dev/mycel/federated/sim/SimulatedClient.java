package dev.mycel.federated.sim;

import dev.mycel.federated.client.LocalMnistClient;
import dev.mycel.federated.privacy.ClientLevelDp;
import dev.mycel.federated.privacy.DpSgd;
import dev.mycel.federated.round.FederatedClient;
import dev.mycel.federated.round.FitRequest;
import dev.mycel.federated.round.SignedUpdate;
import dev.mycel.federated.strategy.ClientUpdate;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.data.Mnist;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A simulated participant: its own node key and its own digits, trained on in this JVM. It may
 * be made to drop out (with a probability per round, seeded), to attack (through its
 * {@link Coalition}), to run DP-SGD on its data (example-level DP), or to clip and noise its
 * update itself (client-level DP, client mode).
 */
final class SimulatedClient implements FederatedClient {
    private final String id;
    private final LocalMnistClient node;
    private final double dropout;
    private final long seed;
    private final Coalition coalition;
    private final DpSgd dpSgd;
    private final ClientLevelDp clientDp;
    private final double expectedClientsPerRound;
    private final RandomGenerator noise;

    SimulatedClient(NodeIdentity identity, ThreadPool pool, Mnist digits, double dropout, long seed, Coalition coalition,
                    DpSgd dpSgd, ClientLevelDp clientDp, double expectedClientsPerRound, RandomGenerator noise) {
        this.id = identity.peerId().toString();
        this.node = new LocalMnistClient(identity, pool, digits, seed * 31 + id.hashCode());
        this.dropout = dropout;
        this.seed = seed;
        this.coalition = coalition;
        this.dpSgd = dpSgd;
        this.clientDp = clientDp;
        this.expectedClientsPerRound = expectedClientsPerRound;
        this.noise = noise;
    }

    @Override
    public String id() {
        return id;
    }

    double epsilon() {
        return dpSgd == null ? Double.NaN : dpSgd.spent().epsilon();
    }

    @Override
    public SignedUpdate fit(FitRequest request) throws Exception {
        SplittableRandom fate = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * request.round()) ^ id.hashCode());
        if (dropout > 0 && fate.nextDouble() < dropout) {
            if (coalition != null && coalition.member(id)) {
                coalition.withdraw(request.round(), id);
            }
            throw new java.io.IOException("connection lost (simulated drop-out)");
        }
        ClientUpdate update;
        try {
            update = train(request);
        } catch (RuntimeException e) {
            if (coalition != null && coalition.member(id)) {
                coalition.withdraw(request.round(), id);
            }
            throw e;
        }
        if (coalition != null && coalition.member(id)) {
            update = coalition.forge(request.round(), request.global(), update);
        }
        return node.sign(request, update);
    }

    private ClientUpdate train(FitRequest request) {
        if (dpSgd != null && !dpSgd.canStep()) {
            // Its budget is spent: an untrained update would only dilute the others' mean.
            throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                    "privacy budget spent (epsilon %.3f of %s after %d DP-SGD steps)", dpSgd.spent().epsilon(),
                    dpSgd.settings().targetEpsilon(), dpSgd.steps()));
        }
        ClientUpdate update = node.train(request, dpSgd);
        if (clientDp == null || clientDp.mode() != ClientLevelDp.Mode.CLIENT) {
            return update;
        }
        float[] params = ClientLevelDp.clip(request.global(), update.parameters(), clientDp.clipNorm());
        double share = clientDp.noiseMultiplier() * clientDp.clipNorm() / Math.sqrt(expectedClientsPerRound);
        // Each of about m clients adds N(0, (σS)²/m): their mean carries σS/m, the coordinator's would.
        ClientLevelDp.addNoise(params, share, noise);
        return new ClientUpdate(id, params, update.numExamples(), update.metrics());
    }
}
