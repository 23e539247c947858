package dev.mycel.federated.privacy;

/**
 * Rényi differential privacy of one step of the sampled Gaussian mechanism: each record is in
 * the batch with probability q (Poisson sampling), the sum of clipped contributions gets
 * Gaussian noise of standard deviation σ times the clipping norm. Mironov, Talwar and Zhang,
 * "Rényi Differential Privacy of the Sampled Gaussian Mechanism" (2019), section 3.3: the
 * divergence of order α is log(A_α) / (α − 1), with A_α a finite binomial sum for an integer α
 * and a pair of converging series of erfc terms for a fractional one. The same formulas as
 * TensorFlow Privacy and Opacus, so the same ε for the same parameters.
 */
public final class SampledGaussianRdp {
    /** Terms of a fractional order's series before the order is given up. */
    private static final int MAX_TERMS = 100_000;

    private SampledGaussianRdp() {
    }

    /** RDP of order {@code alpha} of one step; +∞ where the mechanism gives none. */
    public static double rdp(double q, double sigma, double alpha) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("sampling rate q must be within [0, 1], not " + q);
        }
        if (!(sigma >= 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("noise multiplier sigma must be finite and not negative, not " + sigma);
        }
        if (!(alpha > 1)) {
            throw new IllegalArgumentException("RDP order alpha must be above 1, not " + alpha);
        }
        if (q == 0) {
            return 0;
        }
        if (sigma == 0) {
            return Double.POSITIVE_INFINITY;
        }
        if (q == 1) {
            return alpha / (2 * sigma * sigma);
        }
        if (Double.isInfinite(alpha)) {
            return Double.POSITIVE_INFINITY;
        }
        double logA = alpha == Math.rint(alpha) && alpha < Integer.MAX_VALUE
                ? logAForIntegerOrder(q, sigma, (int) alpha)
                : logAForFractionalOrder(q, sigma, alpha);
        return logA / (alpha - 1);
    }

    /** log(A_α) = log Σ_{i=0}^{α} C(α, i) q^i (1−q)^{α−i} e^{(i²−i)/(2σ²)}. */
    static double logAForIntegerOrder(double q, double sigma, int alpha) {
        double logA = Double.NEGATIVE_INFINITY;
        double logQ = StrictMath.log(q);
        double log1mQ = StrictMath.log1p(-q);
        for (int i = 0; i <= alpha; i++) {
            double logCoef = logBinomial(alpha, i) + i * logQ + (alpha - i) * log1mQ;
            double s = logCoef + ((double) i * i - i) / (2 * (sigma * sigma));
            logA = LogSpace.add(logA, s);
        }
        return logA;
    }

    /**
     * log(A_α) for a fractional α: two alternating-sign series over i, each term a generalised
     * binomial coefficient times a Gaussian tail (erfc), summed until both terms fall below
     * e^-30, where the reference implementations stop.
     */
    static double logAForFractionalOrder(double q, double sigma, double alpha) {
        double logA0 = Double.NEGATIVE_INFINITY;
        double logA1 = Double.NEGATIVE_INFINITY;
        double z0 = sigma * sigma * StrictMath.log(1 / q - 1) + 0.5;
        double logQ = StrictMath.log(q);
        double log1mQ = StrictMath.log1p(-q);
        double sqrt2Sigma = Math.sqrt(2) * sigma;
        double coef = 1; // C(α, 0), then C(α, i) by the product recurrence
        for (int i = 0; ; i++) {
            if (i > 0) {
                coef = coef * (alpha - (i - 1)) / i;
            }
            double logCoef = StrictMath.log(Math.abs(coef));
            double j = alpha - i;
            double logT0 = logCoef + i * logQ + j * log1mQ;
            double logT1 = logCoef + j * logQ + i * log1mQ;
            double logE0 = StrictMath.log(0.5) + LogSpace.logErfc((i - z0) / sqrt2Sigma);
            double logE1 = StrictMath.log(0.5) + LogSpace.logErfc((z0 - j) / sqrt2Sigma);
            double logS0 = logT0 + ((double) i * i - i) / (2 * (sigma * sigma)) + logE0;
            double logS1 = logT1 + (j * j - j) / (2 * (sigma * sigma)) + logE1;
            if (coef > 0) {
                logA0 = LogSpace.add(logA0, logS0);
                logA1 = LogSpace.add(logA1, logS1);
            } else {
                logA0 = LogSpace.subtract(logA0, logS0);
                logA1 = LogSpace.subtract(logA1, logS1);
            }
            if (Math.max(logS0, logS1) < -30) {
                break;
            }
            if (i > MAX_TERMS) {
                // Terms that shrink only polynomially (q near 1/2 with huge σ): give this order
                // up. An order left out only loosens the bound taken over the others, never
                // understates ε.
                return Double.POSITIVE_INFINITY;
            }
        }
        return LogSpace.add(logA0, logA1);
    }

    /** log C(n, k) for integers, summed as logs of the product's factors. */
    static double logBinomial(int n, int k) {
        int kk = Math.min(k, n - k);
        double s = 0;
        for (int i = 1; i <= kk; i++) {
            s += StrictMath.log((double) (n - kk + i) / i);
        }
        return s;
    }
}
