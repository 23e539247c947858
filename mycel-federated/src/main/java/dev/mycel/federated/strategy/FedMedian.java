package dev.mycel.federated.strategy;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The coordinate-wise median (Yin et al. 2018), as Flower's {@code FedMedian}: each coordinate of
 * the new model is the median of the clients' values for it, the mean of the two middle values
 * when the count is even. Example counts are ignored, since an attacker could claim any number.
 * Fewer than half the clients cannot pull a coordinate outside the range of the honest values.
 *
 * <p>Sorting a coordinate's values uses {@link Arrays#sort(float[])}'s total order ({@code -0.0}
 * before {@code 0.0}), so equal values are interchangeable and the median does not depend on
 * which client sent which.
 */
public final class FedMedian implements Strategy {
    private final LocalTraining local;

    public FedMedian(LocalTraining local) {
        this.local = Objects.requireNonNull(local, "local");
    }

    /** With {@link LocalTraining#DEFAULT}. */
    public FedMedian() {
        this(LocalTraining.DEFAULT);
    }

    @Override
    public String name() {
        return "fedmedian";
    }

    @Override
    public RoundConfig configureRound(int round) {
        return local.forRound(round, 0.0);
    }

    @Override
    public float[] aggregate(int round, float[] global, List<ClientUpdate> updates) {
        Updates u = Updates.sorted(name(), round, global, updates);
        float[] column = new float[u.n];
        float[] out = new float[u.dim];
        for (int j = 0; j < u.dim; j++) {
            for (int k = 0; k < u.n; k++) {
                column[k] = u.params[k][j];
            }
            Arrays.sort(column);
            out[j] = (float) medianOfSorted(column, u.n);
        }
        return out;
    }

    /** The median of the first {@code n} values of a sorted array, in double (exact for odd n). */
    static double medianOfSorted(float[] sorted, int n) {
        int mid = n / 2;
        return n % 2 == 1 ? sorted[mid] : ((double) sorted[mid - 1] + sorted[mid]) / 2;
    }
}
