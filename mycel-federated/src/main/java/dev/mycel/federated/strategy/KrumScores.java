package dev.mycel.federated.strategy;

import java.util.Arrays;

/**
 * Krum's scoring (Blanchard et al. 2017), shared by Krum, Multi-Krum and Bulyan's selection. An
 * update's score is the sum of its squared distances to its {@code n - f - 2} nearest other
 * updates: an honest update sits among the other honest ones, so it has a small score however
 * far the {@code f} attackers place theirs.
 *
 * <p>Distances are sums of squared coordinate differences in double, in coordinate order (not
 * {@code norm(...)**2}, which Flower computes, to skip a square root and its rounding); a
 * score adds its nearest distances from the smallest up. Equal scores rank by index, which
 * {@link Updates} made the client-id order.
 */
final class KrumScores {
    private final double[][] distances;
    private final int f;

    /** Computes every pairwise squared distance once; Bulyan reuses them as it removes updates. */
    KrumScores(Updates u, int f) {
        this.f = f;
        int n = u.n;
        distances = new double[n][n];
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                float[] x = u.params[a];
                float[] y = u.params[b];
                double sum = 0;
                for (int j = 0; j < x.length; j++) {
                    double d = (double) x[j] - y[j];
                    sum += d * d;
                }
                distances[a][b] = sum;
                distances[b][a] = sum;
            }
        }
    }

    /**
     * The indices of the updates still {@code alive}, best (lowest score) first, scored among the
     * alive updates only. With {@code r} alive, each score sums the {@code max(1, r - f - 2)}
     * nearest others (Flower's floor of 1, which Bulyan reaches as its set shrinks), or all
     * {@code r - 1} others when there are fewer.
     */
    int[] ranking(boolean[] alive) {
        int n = alive.length;
        int r = 0;
        for (boolean a : alive) {
            r += a ? 1 : 0;
        }
        int nearest = Math.min(Math.max(1, r - f - 2), r - 1);
        int[] order = new int[r];
        double[] scores = new double[r];
        double[] others = new double[Math.max(0, r - 1)];
        int at = 0;
        for (int i = 0; i < n; i++) {
            if (!alive[i]) {
                continue;
            }
            int count = 0;
            for (int j = 0; j < n; j++) {
                if (j != i && alive[j]) {
                    others[count++] = distances[i][j];
                }
            }
            Arrays.sort(others, 0, count);
            double score = 0;
            for (int k = 0; k < nearest; k++) {
                score += others[k];
            }
            order[at] = i;
            scores[at] = score;
            at++;
        }
        // Insertion sort by (score, index): r is small, and the result must not depend on a
        // sort's stability.
        for (int a = 1; a < r; a++) {
            int idx = order[a];
            double s = scores[a];
            int b = a - 1;
            while (b >= 0 && (Double.compare(scores[b], s) > 0 || (scores[b] == s && order[b] > idx))) {
                order[b + 1] = order[b];
                scores[b + 1] = scores[b];
                b--;
            }
            order[b + 1] = idx;
            scores[b + 1] = s;
        }
        return order;
    }

    /** All updates alive. */
    int[] ranking() {
        boolean[] alive = new boolean[distances.length];
        Arrays.fill(alive, true);
        return ranking(alive);
    }

    /** Refuses fewer than 2f + 3 updates, Krum's condition for its guarantee. */
    static void requireEnough(String rule, int n, int f) {
        if (n < 2 * f + 3) {
            throw new IllegalArgumentException(rule + ": needs n >= 2f + 3 updates, got n = " + n + " with f = " + f
                    + " (2f + 3 = " + (2 * f + 3) + ")");
        }
    }

    static void requireF(String rule, int f) {
        if (f < 0) {
            throw new IllegalArgumentException(rule + ": the number of malicious clients f must be at least 0, got " + f);
        }
    }
}
