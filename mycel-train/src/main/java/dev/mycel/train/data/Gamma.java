package dev.mycel.train.data;

/**
 * Gamma and Dirichlet draws on {@link SeededRandom}, the same bits on every machine.
 *
 * <p>Gamma(shape, 1) is Marsaglia and Tsang's method (ACM TOMS 26(3), 2000) for shape ≥ 1;
 * below 1 it draws Gamma(shape + 1) and multiplies by {@code u^(1/shape)}, their boost. Draws
 * are returned as logarithms: with a small shape such as 0.01, {@code u^(1/shape)} underflows a
 * double for most {@code u}, and Dirichlet proportions built from zeros would be 0/0; in logs
 * they stay exact enough to normalize.
 */
final class Gamma {
    private Gamma() {
    }

    /** The natural logarithm of one Gamma({@code shape}, 1) draw; {@code shape} positive and finite. */
    static double logSample(SeededRandom random, double shape) {
        if (shape < 1) {
            // Gamma(a) = Gamma(a + 1) * U^(1/a), and log U^(1/a) = log(U) / a.
            double boosted = logSample(random, shape + 1);
            return boosted + StrictMath.log(random.unitAboveZero()) / shape;
        }
        double d = shape - 1.0 / 3;
        double c = 1 / StrictMath.sqrt(9 * d);
        while (true) {
            double x = random.gaussian();
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = random.unitAboveZero();
            double x2 = x * x;
            // The cheap squeeze accepts most draws; the logarithmic test decides the rest exactly.
            if (u < 1 - 0.0331 * x2 * x2
                    || StrictMath.log(u) < 0.5 * x2 + d * (1 - v + StrictMath.log(v))) {
                return StrictMath.log(d * v);
            }
        }
    }

    /**
     * One draw from the symmetric Dirichlet({@code alpha}) over {@code k} categories, as
     * proportions summing to 1 (up to rounding): k Gamma(alpha) draws, normalized. The draws
     * are divided by their largest in log space before exponentiating, so none underflows to
     * a total of zero.
     */
    static double[] dirichlet(SeededRandom random, int k, double alpha) {
        double[] logs = new double[k];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            logs[i] = logSample(random, alpha);
            max = Math.max(max, logs[i]);
        }
        double total = 0;
        double[] p = new double[k];
        for (int i = 0; i < k; i++) {
            p[i] = StrictMath.exp(logs[i] - max);
            total += p[i];
        }
        for (int i = 0; i < k; i++) {
            p[i] /= total;
        }
        return p;
    }
}
