package dev.mycel.federated.strategy;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The coordinate-wise trimmed mean (Yin et al. 2018), as Flower's {@code FedTrimmedAvg} (which
 * follows SciPy's {@code trim_mean}): for each coordinate, sort the {@code n} clients' values, drop
 * {@code cut = floor(beta * n)} from each end and average the rest, unweighted. Dropping the
 * extremes bounds what {@code cut} attackers can do to any coordinate while keeping more of the
 * honest information than the median.
 *
 * <p>The kept values are added in ascending order in double and the sum divided once; the floor is
 * taken of the double product {@code beta * n}, as Python's {@code int()} takes it.
 */
public final class FedTrimmedAvg implements Strategy {
    /** Flower's default fraction cut from each end. */
    public static final double DEFAULT_BETA = 0.2;

    private final LocalTraining local;
    private final double beta;

    /**
     * @param beta the fraction of values cut from each end, in [0, 0.5]; at 0.5 an odd count keeps
     *     only the middle value and an even count is refused (SciPy's bound, which Flower uses)
     */
    public FedTrimmedAvg(LocalTraining local, double beta) {
        this.local = Objects.requireNonNull(local, "local");
        if (!(beta >= 0 && beta <= 0.5)) {
            throw new IllegalArgumentException("fedtrimmedavg: beta must be in [0, 0.5], got " + beta);
        }
        this.beta = beta;
    }

    /** Flower's default beta (0.2) with {@link LocalTraining#DEFAULT}. */
    public FedTrimmedAvg() {
        this(LocalTraining.DEFAULT, DEFAULT_BETA);
    }

    public double beta() {
        return beta;
    }

    @Override
    public String name() {
        return "fedtrimmedavg";
    }

    @Override
    public RoundConfig configureRound(int round) {
        return local.forRound(round, 0.0);
    }

    @Override
    public float[] aggregate(int round, float[] global, List<ClientUpdate> updates) {
        Updates u = Updates.sorted(name(), round, global, updates);
        int cut = (int) (beta * u.n);
        int kept = u.n - 2 * cut;
        if (kept < 1) {
            throw new IllegalArgumentException("fedtrimmedavg: trimming " + cut + " of " + u.n
                    + " values from each end (beta = " + beta + ") leaves nothing to average");
        }
        float[] column = new float[u.n];
        float[] out = new float[u.dim];
        for (int j = 0; j < u.dim; j++) {
            for (int k = 0; k < u.n; k++) {
                column[k] = u.params[k][j];
            }
            Arrays.sort(column);
            double sum = 0;
            for (int k = cut; k < u.n - cut; k++) {
                sum += column[k];
            }
            out[j] = (float) (sum / kept);
        }
        return out;
    }
}
