package dev.mycel.federated.sim;

import dev.mycel.federated.client.LocalMnistClient;
import dev.mycel.federated.privacy.ClientLevelDp;
import dev.mycel.federated.privacy.DpSgd;
import dev.mycel.federated.round.FederatedClient;
import dev.mycel.federated.round.FitRequest;
import dev.mycel.federated.round.SecureFitRequest;
import dev.mycel.federated.round.SignedKeys;
import dev.mycel.federated.round.SignedMaskedInput;
import dev.mycel.federated.round.SignedUpdate;
import dev.mycel.federated.secagg.SecAggMessage.ForwardedShares;
import dev.mycel.federated.secagg.SecAggMessage.ShareKeys;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskRequest;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskResponse;
import dev.mycel.federated.strategy.ClientUpdate;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.data.Mnist;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A simulated participant: its own node key and its own digits, trained on in this JVM. It may
 * be made to drop out (with a probability per round, seeded), to attack (through its
 * {@link Coalition}), to run DP-SGD on its data (example-level DP), to add its share of one
 * DP-SGD step's noise (distributed DP-SGD, under secure aggregation), or to clip and noise its
 * update itself (client-level DP, client mode).
 */
final class SimulatedClient implements FederatedClient {
    private final String id;
    private final LocalMnistClient node;
    private final Coalition coalition;
    private final DpSgd dpSgd;
    private final ClientLevelDp clientDp;
    private final double expectedClientsPerRound;
    private final RandomGenerator noise;
    private final boolean distributed;

    SimulatedClient(NodeIdentity identity, ThreadPool pool, Mnist digits, long seed, Coalition coalition,
                    DpSgd dpSgd, ClientLevelDp clientDp, double expectedClientsPerRound, RandomGenerator noise) {
        this(identity, pool, digits, seed, coalition, dpSgd, clientDp, expectedClientsPerRound, noise, false);
    }

    /** With {@code distributed}, {@code dpSgd}'s steps are distributed DP-SGD steps, one a round (secure rounds only). */
    SimulatedClient(NodeIdentity identity, ThreadPool pool, Mnist digits, long seed, Coalition coalition,
                    DpSgd dpSgd, ClientLevelDp clientDp, double expectedClientsPerRound, RandomGenerator noise,
                    boolean distributed) {
        if (distributed && (dpSgd == null || coalition != null || clientDp != null)) {
            throw new IllegalArgumentException("distributed DP-SGD needs DP-SGD settings, and no attack or client-level DP");
        }
        this.distributed = distributed;
        this.id = identity.peerId().toString();
        this.node = new LocalMnistClient(identity, pool, digits, trainingSeed(seed, id));
        this.coalition = coalition;
        this.dpSgd = dpSgd;
        this.clientDp = clientDp;
        this.expectedClientsPerRound = expectedClientsPerRound;
        this.noise = noise;
    }

    /** The seed of a client's local training (the order of its examples), from its seed and node id. */
    static long trainingSeed(long seed, String id) {
        return seed * 31 + id.hashCode();
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
        if (distributed) {
            throw new IllegalStateException("distributed DP-SGD adds a share of the noise, private only inside a secure sum:"
                    + " this client answers secure rounds only");
        }
        return node.sign(request, trainOrForge(request, true));
    }

    /** Leaves the coalition for the round (it drops out; see {@link DroppingClient}). */
    void withdraw(int round) {
        if (coalition != null && coalition.member(id)) {
            coalition.withdraw(round, id);
        }
    }

    private ClientUpdate trainOrForge(FitRequest request, boolean clientNoise) throws InterruptedException {
        ClientUpdate update;
        try {
            update = clientNoise ? train(request) : node.train(request, dpSgd);
        } catch (RuntimeException e) {
            withdraw(request.round());
            throw e;
        }
        if (coalition != null && coalition.member(id)) {
            update = coalition.forge(request.round(), request.global(), update);
        }
        return update;
    }

    @Override
    public SignedKeys secureFit(SecureFitRequest request) throws Exception {
        if (distributed) {
            // One DP-SGD step's clipped gradient sum, then its share of the step's noise (scaled
            // as the sum is), then quantised and masked: the noise of m' clients is in the sum.
            int shares = request.setup().noiseShares();
            if (shares < 1) {
                throw new IllegalStateException("distributed DP-SGD: the round shares no noise among its clients");
            }
            requireBudget();
            ClientUpdate step = node.distributedStep(request.fit(), dpSgd);
            double scale = request.fit().config().learningRate() / request.fit().config().batchSize();
            return node.secureFit(request, step, scale * dpSgd.noiseShareStd(shares), noise);
        }
        if (clientDp != null && clientDp.mode() == ClientLevelDp.Mode.CLIENT) {
            // Client-side DP under secure aggregation: the participant clips, then adds the noise
            // share, then quantises and masks; nobody sees the update without its noise.
            return node.secureFit(request, trainOrForge(request.fit(), false),
                    ClientLevelDp.clientNoiseShare(clientDp, expectedClientsPerRound), noise);
        }
        return node.secureFit(request, trainOrForge(request.fit(), true));
    }

    @Override
    public ShareKeys shareKeys(String runId, int round, List<SignedKeys> neighbourKeys) throws Exception {
        return node.shareKeys(runId, round, neighbourKeys);
    }

    @Override
    public SignedMaskedInput maskedInput(String runId, int round, ForwardedShares shares) throws Exception {
        return node.maskedInput(runId, round, shares);
    }

    @Override
    public UnmaskResponse unmask(String runId, int round, UnmaskRequest request) throws Exception {
        return node.unmask(runId, round, request);
    }

    byte[] maskSeedSha256(String runId, int round) {
        return node.maskSeedSha256(runId, round);
    }

    /** Refuses once this client's DP-SGD budget is spent: an untrained update would only dilute the others' mean. */
    private void requireBudget() {
        if (dpSgd != null && !dpSgd.canStep()) {
            throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                    "privacy budget spent (epsilon %.3f of %s after %d DP-SGD steps)", dpSgd.spent().epsilon(),
                    dpSgd.settings().targetEpsilon(), dpSgd.steps()));
        }
    }

    private ClientUpdate train(FitRequest request) {
        requireBudget();
        ClientUpdate update = node.train(request, dpSgd);
        if (clientDp == null || clientDp.mode() != ClientLevelDp.Mode.CLIENT) {
            return update;
        }
        float[] params = ClientLevelDp.clip(request.global(), update.parameters(), clientDp.clipNorm());
        ClientLevelDp.addNoise(params, ClientLevelDp.clientNoiseShare(clientDp, expectedClientsPerRound), noise);
        return new ClientUpdate(id, params, update.numExamples(), update.metrics());
    }
}
