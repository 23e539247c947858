package dev.mycel.federated.privacy;

/**
 * Example-level DP-SGD: each example's gradient clipped to {@code maxGradNorm}, Gaussian noise
 * of {@code noiseMultiplier · maxGradNorm} added to their sum, which is divided by the expected
 * batch size; batches Poisson-sampled (each example in with probability batch / examples), as
 * the accountant's sampled Gaussian mechanism assumes. {@code targetEpsilon} (with δ) is the
 * budget: training stops before a step that would exceed it.
 */
public record DpSgdSettings(double noiseMultiplier, double maxGradNorm, double delta, double targetEpsilon,
                            String accountant) {
    public DpSgdSettings {
        if (!(noiseMultiplier > 0) || Double.isInfinite(noiseMultiplier)) {
            throw new IllegalArgumentException("noise multiplier must be positive and finite, not " + noiseMultiplier);
        }
        if (!(maxGradNorm > 0) || Double.isInfinite(maxGradNorm)) {
            throw new IllegalArgumentException("--max-grad-norm must be positive and finite, not " + maxGradNorm);
        }
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("--delta must be in (0, 1), not " + delta);
        }
        if (!(targetEpsilon > 0)) {
            throw new IllegalArgumentException("--epsilon must be positive, not " + targetEpsilon);
        }
        PrivacyAccountant.named(accountant);
    }

    /** Settings whose noise is calibrated so that {@code steps} steps at {@code sampleRate} spend {@code epsilon}. */
    public static DpSgdSettings calibrated(double epsilon, double delta, double sampleRate, long steps, double maxGradNorm,
                                           String accountant) {
        double sigma = NoiseCalibration.noiseMultiplier(epsilon, delta, sampleRate, steps, accountant);
        return new DpSgdSettings(sigma, maxGradNorm, delta, epsilon, accountant);
    }
}
