package dev.mycel.federated.client;

import dev.mycel.federated.privacy.DpSgd;
import dev.mycel.federated.round.FederatedClient;
import dev.mycel.federated.round.FitRequest;
import dev.mycel.federated.round.SignedUpdate;
import dev.mycel.federated.strategy.ClientUpdate;
import dev.mycel.federated.strategy.RoundConfig;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.data.Mnist;
import dev.mycel.federated.round.SecureFitRequest;
import dev.mycel.federated.round.SecureParticipant;
import dev.mycel.federated.round.SignedKeys;
import dev.mycel.federated.round.SignedMaskedInput;
import dev.mycel.federated.secagg.SecAggMessage.ForwardedShares;
import dev.mycel.federated.secagg.SecAggMessage.ShareKeys;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskRequest;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskResponse;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;

/**
 * A real node's participation ({@code mycel fl join}): trains the MNIST CNN on the node's own
 * digits from each round's global model (SGD with momentum 0.9, the round's settings) and signs
 * the update with the node's key. Deterministic: the same model and round give the same bits.
 */
public final class LocalMnistClient implements FederatedClient {
    private final NodeIdentity identity;
    private final MnistLocalTrainer trainer;
    private final long seed;
    private final SecureParticipant secure;

    public LocalMnistClient(NodeIdentity identity, ThreadPool pool, Mnist digits, long seed) {
        this.identity = identity;
        this.trainer = new MnistLocalTrainer(pool, digits);
        this.seed = seed;
        this.secure = new SecureParticipant(identity, new SecureRandom());
    }

    public int examples() {
        return trainer.examples();
    }

    @Override
    public String id() {
        return identity.peerId().toString();
    }

    @Override
    public SignedUpdate fit(FitRequest request) {
        return sign(request, train(request, null));
    }

    /**
     * The round's local training, not yet signed: from the request's model with its settings,
     * with DP-SGD when {@code dp} is given (null: plain, bit-exact).
     */
    public ClientUpdate train(FitRequest request, DpSgd dp) {
        RoundConfig c = request.config();
        MnistLocalTrainer.Settings s = new MnistLocalTrainer.Settings(c.localEpochs(), c.batchSize(), "sgd", c.learningRate(),
                0.9, c.proximalMu(), 0.25f);
        long started = System.nanoTime();
        MnistLocalTrainer.Outcome o = trainer.train(request.global(), s, seed, (long) request.round() << 20, dp, (x, y) -> { });
        // Informational (not signed, not in any hash): what a round's overhead is measured against.
        return new ClientUpdate(id(), o.parameters(), o.examples(), Map.of("loss", o.meanLoss(),
                FederatedClient.TRAIN_SECONDS, (System.nanoTime() - started) / 1e9));
    }

    /**
     * This client's part of one distributed DP-SGD step (see {@link MnistLocalTrainer#clippedGradientSum}),
     * as an update: the round's model moved by {@code -lr / B} times the clipped gradient sum of a
     * Poisson sample, B the round's batch (the digits a client is expected to sample). Averaged
     * over m clients it is one DP-SGD step of rate lr on a lot of m·B expected digits; the noise
     * is not in it yet (the caller adds its share before masking).
     */
    public ClientUpdate distributedStep(FitRequest request, DpSgd dp) {
        RoundConfig c = request.config();
        if (c.batchSize() < 1) {
            throw new IllegalArgumentException("distributed DP-SGD needs the expected digits a client samples (--batch), not "
                    + c.batchSize());
        }
        long started = System.nanoTime();
        MnistLocalTrainer.GradientSum g = trainer.clippedGradientSum(request.global(), seed, (long) request.round() << 20, dp);
        float[] global = request.global();
        float[] params = new float[global.length];
        double scale = c.learningRate() / c.batchSize();
        for (int i = 0; i < params.length; i++) {
            params[i] = (float) (global[i] - scale * g.sum()[i]);
        }
        return new ClientUpdate(id(), params, trainer.examples(), Map.of("loss", g.meanLoss(),
                FederatedClient.TRAIN_SECONDS, (System.nanoTime() - started) / 1e9));
    }

    /** The update signed with this node's key for the request's run and round. */
    public SignedUpdate sign(FitRequest request, ClientUpdate update) {
        return SignedUpdate.sign(identity, request.runId(), request.round(), update);
    }

    // Secure aggregation: train as for fit, then the four exchanges through a SecureParticipant.

    @Override
    public SignedKeys secureFit(SecureFitRequest request) {
        return secure.begin(request, train(request.fit(), null));
    }

    /** Exchange 1 with an update trained elsewhere (a simulated client's DP-SGD or attack). */
    public SignedKeys secureFit(SecureFitRequest request, ClientUpdate trained) {
        return secure.begin(request, trained);
    }

    /** Exchange 1 adding client-level DP noise of {@code noiseStd} after clipping (see {@link SecureParticipant#begin}). */
    public SignedKeys secureFit(SecureFitRequest request, ClientUpdate trained, double noiseStd,
                                java.util.random.RandomGenerator noise) {
        return secure.begin(request, trained, noiseStd, noise);
    }

    @Override
    public ShareKeys shareKeys(String runId, int round, List<SignedKeys> neighbourKeys) {
        return secure.shareKeys(runId, round, neighbourKeys);
    }

    @Override
    public SignedMaskedInput maskedInput(String runId, int round, ForwardedShares shares) {
        return secure.maskedInput(runId, round, shares);
    }

    @Override
    public UnmaskResponse unmask(String runId, int round, UnmaskRequest request) {
        return secure.unmask(runId, round, request);
    }

    /** SHA-256 of this node's mask seed in a secure round, for its audit of the round record. */
    public byte[] maskSeedSha256(String runId, int round) {
        return secure.maskSeedSha256(runId, round);
    }
}
