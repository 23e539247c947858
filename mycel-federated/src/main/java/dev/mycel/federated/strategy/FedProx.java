package dev.mycel.federated.strategy;

import java.util.List;
import java.util.Objects;

/**
 * FedProx (Li et al. 2020): FedAvg's aggregation, with clients that add the proximal term {@code
 * mu/2 * ||w - w_global||^2} to their local loss. The term keeps clients with very different
 * data (or that run more local steps) from drifting far from the global model; the server's only
 * part is to send {@code mu} in every round's {@link RoundConfig#proximalMu()}.
 */
public final class FedProx implements Strategy {
    private final LocalTraining local;
    private final double proximalMu;

    /**
     * @param proximalMu the proximal factor, at least 0 and finite (0 is plain FedAvg); Flower has
     *     no default for it, since a good value depends on the task (its examples use 0.01 to 1)
     */
    public FedProx(LocalTraining local, double proximalMu) {
        this.local = Objects.requireNonNull(local, "local");
        if (!(proximalMu >= 0) || !Double.isFinite(proximalMu)) {
            throw new IllegalArgumentException("fedprox: proximal mu must be at least 0 and finite, got " + proximalMu);
        }
        this.proximalMu = proximalMu;
    }

    public double proximalMu() {
        return proximalMu;
    }

    @Override
    public String name() {
        return "fedprox";
    }

    @Override
    public boolean aggregatesWeightedMean() {
        return true;
    }

    @Override
    public RoundConfig configureRound(int round) {
        return local.forRound(round, proximalMu);
    }

    @Override
    public float[] aggregate(int round, float[] global, List<ClientUpdate> updates) {
        return Updates.toFloat(FedAvg.weightedMean(name(), round, global, updates));
    }
}
