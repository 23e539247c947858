package dev.mycel.federated.privacy;

import org.apache.commons.math3.special.Erf;

/**
 * The privacy loss random variable of one step of the Poisson-subsampled Gaussian mechanism,
 * by its distribution function (Gopi, Lee and Wutschitz, "Numerical Composition of Differential
 * Privacy", 2021, propositions B1 and B4), truncated to [tMin, tMax] and renormalised.
 */
final class SubsampledGaussianPrv {
    private static final double SQRT2 = Math.sqrt(2);

    private final double q;
    private final double sigma;
    private final double tMin;
    private final double tMax;
    private final double cdfAtMin;
    private final double mass;

    SubsampledGaussianPrv(double q, double sigma, double tMin, double tMax) {
        if (!(q > 0 && q < 1)) {
            throw new IllegalArgumentException("the PRV accountant needs a sampling rate within (0, 1), not " + q);
        }
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("the PRV accountant needs a positive finite noise multiplier, not " + sigma);
        }
        this.q = q;
        this.sigma = sigma;
        this.tMin = tMin;
        this.tMax = tMax;
        this.cdfAtMin = untruncatedCdf(tMin);
        this.mass = untruncatedCdf(tMax) - cdfAtMin;
    }

    /** P(L ≤ t) of the loss variable itself. */
    double untruncatedCdf(double t) {
        if (!(t > StrictMath.log1p(-q))) {
            return 0;
        }
        double z = StrictMath.log((StrictMath.exp(t) + q - 1) / q);
        double s2 = sigma * sigma;
        return -q * Erf.erfc((2 * z * s2 - 1) / (2 * SQRT2 * sigma)) / 2
                - (1 - q) * Erf.erfc((2 * z * s2 + 1) / (2 * SQRT2 * sigma)) / 2
                + 1.0;
    }

    /** The truncated variable's distribution function. */
    double cdf(double t) {
        if (t < tMin) {
            return 0;
        }
        if (t < tMax) {
            return (untruncatedCdf(t) - cdfAtMin) / mass;
        }
        return 1;
    }

    /**
     * The truncated variable's mean, E[L] = tMax − ∫ cdf over [tMin, tMax], integrated piecewise
     * over intervals that are geometrically finer towards 0, where the density is sharpest.
     */
    double mean() {
        int lower = (int) StrictMath.log10(Math.abs(tMin));
        int upper = (int) StrictMath.log10(tMax);
        double[] points = new double[23];
        int n = 0;
        points[n++] = tMin;
        for (int i = 0; i < 10; i++) {
            points[n++] = -StrictMath.pow(10, lower + (-5.0 - lower) * i / 9);
        }
        points[n++] = 0;
        for (int i = 0; i < 10; i++) {
            points[n++] = StrictMath.pow(10, -5.0 + (upper + 5.0) * i / 9);
        }
        points[n++] = tMax;
        double mean = 0;
        for (int i = 0; i + 1 < n; i++) {
            double left = points[i];
            double right = points[i + 1];
            double integral = Quadrature.integrate(this::cdf, left, right);
            mean += right * cdf(right) - left * cdf(left) - integral;
        }
        return mean;
    }
}
