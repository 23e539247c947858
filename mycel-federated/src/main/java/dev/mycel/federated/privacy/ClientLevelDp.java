package dev.mycel.federated.privacy;

import java.util.random.RandomGenerator;

/**
 * Client-level differential privacy for federated averaging (DP-FedAvg, McMahan et al. 2018):
 * each client's update (its model minus the global one) is clipped to norm S, the clipped updates
 * are averaged with equal weights, and Gaussian noise of standard deviation σ·S / m is added to
 * the mean of m updates. Clients are Poisson-sampled with probability q, so the accountant's
 * sampled Gaussian mechanism (σ, q, one step per round) gives the run's ε.
 *
 * <p>Where the clipping happens is the {@link Mode}: on the {@code COORDINATOR} (which sees raw
 * updates, then adds the noise once), or on each {@code CLIENT}, which clips and adds its share
 * of the noise, N(0, (σS)² / m), before anything leaves it (with secure aggregation, the
 * coordinator then sees only the noisy sum; and the aggregate stays recomputable from the
 * published inputs, noise included).
 */
public record ClientLevelDp(Mode mode, double noiseMultiplier, double clipNorm, double delta, double targetEpsilon,
                            String accountant) {
    public enum Mode { CLIENT, COORDINATOR }

    public ClientLevelDp {
        if (!(noiseMultiplier > 0) || Double.isInfinite(noiseMultiplier)) {
            throw new IllegalArgumentException("noise multiplier must be positive and finite, not " + noiseMultiplier);
        }
        if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
            throw new IllegalArgumentException("clipping norm must be positive and finite, not " + clipNorm);
        }
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be in (0, 1), not " + delta);
        }
        if (!(targetEpsilon > 0)) {
            throw new IllegalArgumentException("epsilon must be positive, not " + targetEpsilon);
        }
        PrivacyAccountant.named(accountant);
    }

    /** {@code global + (w − global)·min(1, S / ‖w − global‖)}: the norm in double, in index order. */
    public static float[] clip(float[] global, float[] w, double clipNorm) {
        if (global.length != w.length) {
            throw new IllegalArgumentException("update of " + w.length + " values for a model of " + global.length);
        }
        double sq = 0;
        for (int i = 0; i < w.length; i++) {
            double d = (double) w[i] - global[i];
            sq += d * d;
        }
        double norm = Math.sqrt(sq);
        double factor = norm > clipNorm ? clipNorm / norm : 1;
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = (float) (global[i] + ((double) w[i] - global[i]) * factor);
        }
        return out;
    }

    /** Adds N(0, std²) to each value in place, from {@code random} (a SecureRandom outside tests). */
    public static void addNoise(float[] values, double std, RandomGenerator random) {
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (values[i] + std * random.nextGaussian());
        }
    }
}
