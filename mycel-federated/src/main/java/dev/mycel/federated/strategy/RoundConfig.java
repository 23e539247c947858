package dev.mycel.federated.strategy;

/**
 * The settings a coordinator sends to every client it picks for a round: what {@link
 * Strategy#configureRound} decides. Immutable, so one instance can go to every client.
 *
 * @param round the round number, counting from 1
 * @param localEpochs passes over the client's own data, at least 1
 * @param batchSize examples per local step, at least 1; 0 means the client's whole data set as one
 *     batch (FedSGD)
 * @param learningRate the client's learning rate, positive and finite
 * @param proximalMu FedProx's proximal factor: the client adds {@code mu/2 * ||w - global||^2} to
 *     its loss; 0 (plain local training) for every other strategy
 */
public record RoundConfig(int round, int localEpochs, int batchSize, double learningRate, double proximalMu) {
    public RoundConfig {
        if (round < 1) {
            throw new IllegalArgumentException("round must be at least 1, got " + round);
        }
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
        if (!(proximalMu >= 0) || !Double.isFinite(proximalMu)) {
            throw new IllegalArgumentException("proximal mu must be at least 0 and finite, got " + proximalMu);
        }
    }
}
