package dev.mycel.federated.strategy;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * FedAvg with server momentum (Hsu et al. 2019), as Flower's {@code FedAvgM} computes it: the
 * server treats {@code global - fedavg} as a pseudo-gradient, runs heavy-ball momentum on it and
 * takes a step of size {@code serverLearningRate}:
 *
 * <pre>
 * g = global - fedavg(updates)
 * m = g                       (the first round with momentum)
 * m = serverMomentum * m + g  (later rounds)
 * new = global - serverLearningRate * (serverMomentum > 0 ? m : g)
 * </pre>
 *
 * With Flower's defaults (learning rate 1, momentum 0) it is FedAvg, and then, as in Flower, the
 * FedAvg result is returned as it is rather than through {@code global - 1 * (global - avg)},
 * which would round differently. Momentum smooths the direction over rounds, which helps when
 * clients' data differ a lot from each other.
 *
 * <p>The momentum vector is server state: {@link #state()} gives it (as {@code "momentum"}) for a
 * checkpoint. Flower starts it in round 1; here it starts in the first round that finds none, so
 * that a restored run and a fresh one agree on what "first" means.
 */
public final class FedAvgM implements Strategy {
    private static final String MOMENTUM = "momentum";

    private final LocalTraining local;
    private final double serverLearningRate;
    private final double serverMomentum;
    private double[] momentum;

    /**
     * @param serverLearningRate the server's step size, positive and finite (Flower's default 1)
     * @param serverMomentum the momentum factor, in [0, 1) (Flower's default 0; Hsu et al. use 0.9)
     */
    public FedAvgM(LocalTraining local, double serverLearningRate, double serverMomentum) {
        this.local = Objects.requireNonNull(local, "local");
        if (!(serverLearningRate > 0) || !Double.isFinite(serverLearningRate)) {
            throw new IllegalArgumentException("fedavgm: server learning rate must be positive and finite, got "
                    + serverLearningRate);
        }
        if (!(serverMomentum >= 0 && serverMomentum < 1)) {
            throw new IllegalArgumentException("fedavgm: server momentum must be in [0, 1), got " + serverMomentum);
        }
        this.serverLearningRate = serverLearningRate;
        this.serverMomentum = serverMomentum;
    }

    /** Flower's defaults: server learning rate 1, momentum 0 (the same as FedAvg). */
    public FedAvgM() {
        this(LocalTraining.DEFAULT, 1.0, 0.0);
    }

    public double serverLearningRate() {
        return serverLearningRate;
    }

    public double serverMomentum() {
        return serverMomentum;
    }

    @Override
    public String name() {
        return "fedavgm";
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
        double[] avg = FedAvg.weightedMean(name(), round, global, updates);
        if (serverLearningRate == 1.0 && serverMomentum == 0.0) {
            return Updates.toFloat(avg);
        }
        Updates.requireStateLength(name(), MOMENTUM, momentum, global.length);
        boolean useMomentum = serverMomentum > 0.0;
        double[] m = useMomentum ? new double[global.length] : null;
        double[] out = new double[global.length];
        for (int j = 0; j < global.length; j++) {
            double g = global[j] - avg[j];
            double step = g;
            if (useMomentum) {
                m[j] = momentum == null ? g : serverMomentum * momentum[j] + g;
                step = m[j];
            }
            out[j] = global[j] - serverLearningRate * step;
        }
        // The state changes only once the round has certainly succeeded.
        if (useMomentum) {
            momentum = m;
        }
        return Updates.toFloat(out);
    }

    @Override
    public StrategyState state() {
        Map<String, double[]> vectors = new TreeMap<>();
        if (momentum != null) {
            vectors.put(MOMENTUM, momentum);
        }
        return new StrategyState(name(), new TreeMap<>(vectors));
    }

    @Override
    public void restore(StrategyState state) {
        state.requireStrategy(name());
        for (String vector : state.names()) {
            if (!vector.equals(MOMENTUM)) {
                throw new IllegalArgumentException("fedavgm keeps only '" + MOMENTUM + "', but the state has '" + vector + "'");
            }
        }
        momentum = state.vector(MOMENTUM);
    }
}
