package dev.mycel.federated.strategy;

import java.util.List;
import java.util.Objects;

/**
 * Federated Averaging (McMahan et al. 2017): the new model is the example-weighted mean of the
 * clients' models, {@code sum(n_k * w_k) / sum(n_k)}. Clients with more data count for more,
 * which makes the aggregate the model a single trainer would move towards on the pooled data; it
 * also means one client can move it anywhere, so use a robust rule when clients may lie.
 */
public final class FedAvg implements Strategy {
    private final LocalTraining local;

    public FedAvg(LocalTraining local) {
        this.local = Objects.requireNonNull(local, "local");
    }

    /** With {@link LocalTraining#DEFAULT}. */
    public FedAvg() {
        this(LocalTraining.DEFAULT);
    }

    @Override
    public String name() {
        return "fedavg";
    }

    @Override
    public boolean aggregatesWeightedMean() {
        return true;
    }

    @Override
    public RoundConfig configureRound(int round) {
        return local.forRound(round, 0.0);
    }

    @Override
    public float[] aggregate(int round, float[] global, List<ClientUpdate> updates) {
        return Updates.toFloat(weightedMean(name(), round, global, updates));
    }

    /** The unrounded weighted mean that FedAvgM and the FedOpt family start from. */
    static double[] weightedMean(String rule, int round, float[] global, List<ClientUpdate> updates) {
        return Updates.sorted(rule, round, global, updates).requireExamples().weightedMean();
    }
}
