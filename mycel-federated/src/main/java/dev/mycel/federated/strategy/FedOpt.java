package dev.mycel.federated.strategy;

import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The adaptive server optimisers of Reddi et al. 2021 ("Adaptive Federated Optimization"), as
 * Flower's {@code FedOpt} family computes them. The server treats {@code delta = fedavg - global}
 * as a step direction and runs an Adam-like update on it, keeping two moment vectors between
 * rounds:
 *
 * <pre>
 * delta = fedavg(updates) - global
 * m     = beta1 * m + (1 - beta1) * delta         (m starts at 0)
 * v     = secondMoment(v, delta)                  (v starts at 0; the subclass's rule)
 * new   = global + stepSize(round) * m / (sqrt(v) + tau)
 * </pre>
 *
 * Adaptive server steps let each coordinate move at its own pace, which is what helps on
 * heterogeneous clients. The moments are server state: {@link #state()} gives them (as {@code
 * "m"} and {@code "v"}) for a checkpoint. Unlike Flower, which keeps its own copy of the current
 * weights, the step starts from the {@code global} the coordinator passes in; a coordinator that
 * passes back each round's result gets Flower's sequence.
 */
public abstract sealed class FedOpt implements Strategy permits FedAdagrad, FedAdam, FedYogi {
    private static final String M = "m";
    private static final String V = "v";

    private final String name;
    private final LocalTraining local;
    /** Flower's {@code eta}: the server learning rate. */
    final double eta;
    final double beta1;
    final double beta2;
    /** Flower's {@code tau}: keeps the division finite where v is still 0. */
    final double tau;
    private double[] m;
    private double[] v;

    FedOpt(String name, LocalTraining local, double eta, double beta1, double beta2, double tau) {
        this.name = name;
        this.local = Objects.requireNonNull(local, "local");
        String rule = name;
        if (!(eta > 0) || !Double.isFinite(eta)) {
            throw new IllegalArgumentException(rule + ": eta must be positive and finite, got " + eta);
        }
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException(rule + ": beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException(rule + ": beta2 must be in [0, 1), got " + beta2);
        }
        if (!(tau > 0) || !Double.isFinite(tau)) {
            throw new IllegalArgumentException(rule + ": tau must be positive and finite, got " + tau);
        }
        this.eta = eta;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.tau = tau;
    }

    /** The new second moment of one coordinate from the old one and that coordinate's delta. */
    abstract double secondMoment(double v, double delta);

    /** The factor in front of {@code m / (sqrt(v) + tau)} in round {@code round}. */
    abstract double stepSize(int round);

    @Override
    public final String name() {
        return name;
    }

    public double eta() {
        return eta;
    }

    /** Flower's {@code eta_l}: the clients' learning rate, sent in every round's config. */
    public double etaL() {
        return local.learningRate();
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double tau() {
        return tau;
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
    public final float[] aggregate(int round, float[] global, List<ClientUpdate> updates) {
        double[] avg = FedAvg.weightedMean(name(), round, global, updates);
        int dim = global.length;
        Updates.requireStateLength(name(), M, m, dim);
        Updates.requireStateLength(name(), V, v, dim);
        double[] newM = m == null ? new double[dim] : m.clone();
        double[] newV = v == null ? new double[dim] : v.clone();
        double step = stepSize(round);
        float[] out = new float[dim];
        for (int j = 0; j < dim; j++) {
            double delta = avg[j] - global[j];
            newM[j] = beta1 * newM[j] + (1 - beta1) * delta;
            newV[j] = secondMoment(newV[j], delta);
            out[j] = (float) (global[j] + step * newM[j] / (Math.sqrt(newV[j]) + tau));
        }
        m = newM;
        v = newV;
        return out;
    }

    @Override
    public final StrategyState state() {
        TreeMap<String, double[]> vectors = new TreeMap<>();
        if (m != null) {
            vectors.put(M, m);
            vectors.put(V, v);
        }
        return new StrategyState(name(), vectors);
    }

    @Override
    public final void restore(StrategyState state) {
        state.requireStrategy(name());
        boolean empty = state.names().isEmpty();
        if (!empty && !state.names().equals(new TreeSet<>(List.of(M, V)))) {
            throw new IllegalArgumentException(name() + " keeps '" + M + "' and '" + V + "' (both or neither), but the state has "
                    + state.names());
        }
        double[] newM = state.vector(M);
        double[] newV = state.vector(V);
        if (!empty && newM.length != newV.length) {
            throw new IllegalArgumentException(name() + ": the state's m has " + newM.length + " values but its v has "
                    + newV.length);
        }
        m = newM;
        v = newV;
    }
}
