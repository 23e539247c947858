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
                            String accountant, AdaptiveClipping adaptive) {
    public enum Mode { CLIENT, COORDINATOR }

    /**
     * Adaptive clipping (Andrew et al. 2021, "Differentially Private Learning with Adaptive
     * Clipping"), coordinator mode: after each round the norm moves geometrically towards the
     * {@code targetQuantile} of the clients' update norms, C ← C·exp(−η·(b̄ − γ)), where b̄ is the
     * fraction of updates within C plus Gaussian noise of {@code countNoise} / m. Privatising the
     * count costs privacy too: the updates' noise multiplier becomes (σ⁻² − (2σ_b)⁻²)^{-1/2}, so
     * that the pair spends what σ alone would (their theorem 1), and the accountant charges σ.
     */
    public record AdaptiveClipping(double targetQuantile, double learningRate, double countNoise) {
        public AdaptiveClipping {
            if (!(targetQuantile > 0 && targetQuantile < 1)) {
                throw new IllegalArgumentException("target quantile must be in (0, 1), not " + targetQuantile);
            }
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new IllegalArgumentException("clipping learning rate must be positive, not " + learningRate);
            }
            if (!(countNoise > 0) || Double.isInfinite(countNoise)) {
                throw new IllegalArgumentException("the count's noise must be positive, not " + countNoise);
            }
        }

        /** The next round's norm from this round's and the updates' norms; {@code gaussian} is one N(0, 1) draw. */
        public double next(double clipNorm, double[] norms, double gaussian) {
            int within = 0;
            for (double n : norms) {
                if (n <= clipNorm) {
                    within++;
                }
            }
            return nextFromCount(clipNorm, within, norms.length, gaussian);
        }

        /**
         * The next round's norm from the count of the m updates within this round's norm, as
         * secure aggregation gives it (a sum of flags, never one norm).
         */
        public double nextFromCount(double clipNorm, double within, int m, double gaussian) {
            double fraction = (within + countNoise * gaussian) / Math.max(1, m);
            return clipNorm * StrictMath.exp(-learningRate * (fraction - targetQuantile));
        }

        /** The updates' own noise multiplier, given the total σ the accountant charges. */
        public double updateNoiseMultiplier(double sigma) {
            double rest = 1 / (sigma * sigma) - 1 / (4 * countNoise * countNoise);
            if (!(rest > 0)) {
                throw new IllegalArgumentException("the count's noise " + countNoise + " is too small for the noise multiplier "
                        + sigma + ": it must exceed sigma / 2");
            }
            return 1 / Math.sqrt(rest);
        }
    }

    public ClientLevelDp {
        if (adaptive != null && mode != Mode.COORDINATOR) {
            throw new IllegalArgumentException("adaptive clipping needs the coordinator to clip (--dp client)");
        }
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

    /**
     * The noise each client adds in client mode: of about m clients a round each adds
     * N(0, (σS)²/m), so that their mean carries σS/m, what the coordinator would add.
     */
    public static double clientNoiseShare(ClientLevelDp dp, double expectedClientsPerRound) {
        return dp.noiseMultiplier() * dp.clipNorm() / Math.sqrt(Math.max(1, expectedClientsPerRound));
    }

    /** ‖w − global‖₂, in double, in index order. */
    public static double updateNorm(float[] global, float[] w) {
        double sq = 0;
        for (int i = 0; i < w.length; i++) {
            double d = (double) w[i] - global[i];
            sq += d * d;
        }
        return Math.sqrt(sq);
    }

    /** {@code global + (w − global)·min(1, S / ‖w − global‖)}: the norm in double, in index order. */
    public static float[] clip(float[] global, float[] w, double clipNorm) {
        if (global.length != w.length) {
            throw new IllegalArgumentException("update of " + w.length + " values for a model of " + global.length);
        }
        double norm = updateNorm(global, w);
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
