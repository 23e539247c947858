package dev.mycel.federated.strategy;

/**
 * How clients train locally in every round: a strategy holds one and copies it into each round's
 * {@link RoundConfig}. It is separate from the strategy's server-side settings because the same
 * aggregation rule is used with many client settings.
 *
 * @param localEpochs passes over the client's own data per round, at least 1
 * @param batchSize examples per local step, at least 1; or 0, the client's whole data set as one
 *     batch (one step an epoch: with one epoch, McMahan et al.'s FedSGD baseline)
 * @param learningRate the client's learning rate (Flower's {@code eta_l} for the FedOpt family),
 *     positive and finite
 */
public record LocalTraining(int localEpochs, int batchSize, double learningRate) {
    /** One epoch of batches of 32 at learning rate 0.01: a starting point, not a recommendation. */
    public static final LocalTraining DEFAULT = new LocalTraining(1, 32, 0.01);

    public LocalTraining {
        if (localEpochs < 1) {
            throw new IllegalArgumentException("local epochs must be at least 1, got " + localEpochs);
        }
        if (batchSize < 0) {
            throw new IllegalArgumentException("batch size must be at least 1 (or 0: the whole local data set), got "
                    + batchSize);
        }
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
        }
    }

    /** This training for one round, with FedProx's proximal factor (0 for the other strategies). */
    public RoundConfig forRound(int round, double proximalMu) {
        return new RoundConfig(round, localEpochs, batchSize, learningRate, proximalMu);
    }
}
