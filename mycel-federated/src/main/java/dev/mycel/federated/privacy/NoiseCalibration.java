package dev.mycel.federated.privacy;

/**
 * The smallest noise multiplier (to within the search's tolerance) whose ε after the planned
 * steps stays at or under a target: doubling from 20 to bracket it, then bisection until the
 * bracket's ε is within 0.01 of the target, keeping the side that meets it. The same search as
 * Opacus's get_noise_multiplier, so the same σ for the same plan.
 */
public final class NoiseCalibration {
    private static final double EPSILON_TOLERANCE = 0.01;

    private NoiseCalibration() {
    }

    public static double noiseMultiplier(double targetEpsilon, double delta, double sampleRate, long steps, String accountant) {
        if (!(targetEpsilon > 0) || Double.isInfinite(targetEpsilon)) {
            throw new IllegalArgumentException("target epsilon must be positive and finite, not " + targetEpsilon);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("calibrating noise needs at least one step, not " + steps);
        }
        double low = 0;
        double high = 10;
        double epsHigh = Double.POSITIVE_INFINITY;
        while (epsHigh > targetEpsilon) {
            high *= 2;
            if (high > 1e6) {
                throw new IllegalArgumentException("no noise multiplier up to 1e6 reaches epsilon " + targetEpsilon
                        + " with delta " + delta + " over " + steps + " steps; ask for a larger epsilon or fewer steps");
            }
            epsHigh = epsilon(high, delta, sampleRate, steps, accountant);
        }
        while (targetEpsilon - epsHigh > EPSILON_TOLERANCE) {
            double sigma = (low + high) / 2;
            double eps = epsilon(sigma, delta, sampleRate, steps, accountant);
            if (eps < targetEpsilon) {
                high = sigma;
                epsHigh = eps;
            } else {
                low = sigma;
            }
        }
        return high;
    }

    private static double epsilon(double sigma, double delta, double q, long steps, String accountant) {
        PrivacyAccountant a = PrivacyAccountant.named(accountant);
        a.step(sigma, q, steps);
        return a.spent(delta).epsilon();
    }
}
