package dev.mycel.federated.strategy;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Bulyan (El Mhamdi et al. 2018), as Flower's {@code Bulyan} with Krum as its first rule. Krum
 * alone can be fooled in high dimension by an attacker that stays close in distance but moves a
 * few coordinates far; Bulyan adds a coordinate-wise filter after it:
 *
 * <ol>
 *   <li>select {@code theta = n - 2f} updates by repeated Krum: score the remaining updates, move
 *       the best one into the selection, repeat (scores among the remaining updates only);
 *   <li>for each coordinate, take the median of the selected values and average, unweighted, the
 *       {@code beta = theta - 2f} selected values closest to it.
 * </ol>
 *
 * Needs {@code n >= 4f + 3}. Equal Krum scores go to the smaller client id. In the second step
 * only a coordinate's values matter, not who sent them: of two values equally far from the median
 * on opposite sides, the smaller goes first, and the chosen values are added from the closest out.
 * Flower picks between such values by {@code argpartition}, whose choice is unspecified.
 */
public final class Bulyan implements Strategy {
    private final LocalTraining local;
    private final int f;

    /** @param f the number of malicious clients to tolerate, at least 0 */
    public Bulyan(LocalTraining local, int f) {
        this.local = Objects.requireNonNull(local, "local");
        KrumScores.requireF("bulyan", f);
        this.f = f;
    }

    public int f() {
        return f;
    }

    @Override
    public String name() {
        return "bulyan";
    }

    @Override
    public RoundConfig configureRound(int round) {
        return local.forRound(round, 0.0);
    }

    @Override
    public float[] aggregate(int round, float[] global, List<ClientUpdate> updates) {
        Updates u = Updates.sorted(name(), round, global, updates);
        if (u.n < 4 * f + 3) {
            throw new IllegalArgumentException("bulyan: needs n >= 4f + 3 updates, got n = " + u.n + " with f = " + f
                    + " (4f + 3 = " + (4 * f + 3) + ")");
        }
        int theta = u.n - 2 * f;
        int beta = theta - 2 * f;
        int[] selected = select(u, theta);

        float[] column = new float[theta];
        float[] out = new float[u.dim];
        for (int j = 0; j < u.dim; j++) {
            for (int k = 0; k < theta; k++) {
                column[k] = u.params[selected[k]][j];
            }
            Arrays.sort(column);
            out[j] = (float) meanClosestToMedian(column, beta);
        }
        return out;
    }

    /**
     * The mean of the {@code beta} values of a sorted column closest to its median. They form a run
     * around the median, found by walking outwards from it: at each step the nearer of the next
     * value below and the next above is taken, the one below when they are equally far. The
     * values are added in the order taken and the sum is divided once.
     */
    static double meanClosestToMedian(float[] sorted, int beta) {
        int n = sorted.length;
        double median = FedMedian.medianOfSorted(sorted, n);
        int above = 0;
        while (above < n && sorted[above] < median) {
            above++;
        }
        int below = above - 1;
        double sum = 0;
        for (int taken = 0; taken < beta; taken++) {
            boolean takeBelow = above >= n
                    || (below >= 0 && median - sorted[below] <= sorted[above] - median);
            sum += takeBelow ? sorted[below--] : sorted[above++];
        }
        return sum / beta;
    }

    /** The indices of the {@code theta} updates repeated Krum selects, in ascending (client id) order. */
    private int[] select(Updates u, int theta) {
        KrumScores scores = new KrumScores(u, f);
        boolean[] alive = new boolean[u.n];
        Arrays.fill(alive, true);
        int[] selected = new int[theta];
        for (int t = 0; t < theta; t++) {
            selected[t] = scores.ranking(alive)[0];
            alive[selected[t]] = false;
        }
        Arrays.sort(selected);
        return selected;
    }
}
