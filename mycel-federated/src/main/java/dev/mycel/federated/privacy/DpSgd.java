package dev.mycel.federated.privacy;

import java.util.random.RandomGenerator;

/**
 * A DP-SGD run's privacy state: its settings, the Poisson sampling rate, the steps taken, and
 * the most steps its budget allows (found once, by search over the accountant, so that checking
 * the budget before each step costs nothing). The random source draws both the batches and the
 * noise: it must be a {@link java.security.SecureRandom} outside tests.
 */
public final class DpSgd {
    private final DpSgdSettings settings;
    private final double sampleRate;
    private final long maxSteps;
    private final RandomGenerator random;
    private long steps;

    public DpSgd(DpSgdSettings settings, double sampleRate, RandomGenerator random) {
        this(settings, sampleRate, random, maxSteps(settings, checkRate(sampleRate)));
    }

    /**
     * With the budget's step count already found by {@link #maxSteps} (many clients with the same
     * settings and rate share one search).
     */
    public DpSgd(DpSgdSettings settings, double sampleRate, RandomGenerator random, long maxSteps) {
        this.settings = settings;
        this.sampleRate = checkRate(sampleRate);
        this.random = random;
        this.maxSteps = maxSteps;
    }

    private static double checkRate(double sampleRate) {
        if (!(sampleRate > 0 && sampleRate <= 1)) {
            throw new IllegalArgumentException("sampling rate must be in (0, 1], not " + sampleRate);
        }
        return sampleRate;
    }

    public DpSgdSettings settings() {
        return settings;
    }

    public double sampleRate() {
        return sampleRate;
    }

    public RandomGenerator random() {
        return random;
    }

    /** Whether one more step stays within the budget. */
    public boolean canStep() {
        return steps < maxSteps;
    }

    /** Records a step taken. */
    public void stepped() {
        if (!canStep()) {
            throw new IllegalStateException("the privacy budget (epsilon " + settings.targetEpsilon() + ") allows "
                    + maxSteps + " steps");
        }
        steps++;
    }

    public long steps() {
        return steps;
    }

    public long maxSteps() {
        return maxSteps;
    }

    /**
     * Distributed DP-SGD: the standard deviation one of {@code shares} clients adds to its clipped
     * gradient sum, σC/√m', so that the sum of m' or more of them carries at least the σC this
     * run's accountant charges for (Gaussians add their variances; extra shares only add noise).
     */
    public double noiseShareStd(int shares) {
        if (shares < 1) {
            throw new IllegalArgumentException("the noise is shared among at least 1 client, not " + shares);
        }
        return settings.noiseMultiplier() * settings.maxGradNorm() / Math.sqrt(shares);
    }

    /** The privacy spent by the steps taken so far. */
    public PrivacySpent spent() {
        PrivacyAccountant a = PrivacyAccountant.named(settings.accountant());
        a.step(settings.noiseMultiplier(), sampleRate, steps);
        return a.spent(settings.delta());
    }

    /** The largest T whose ε stays at or under the target (monotone in T: doubling, then bisection). */
    public static long maxSteps(DpSgdSettings s, double q) {
        if (epsilon(s, q, 1) > s.targetEpsilon()) {
            return 0;
        }
        long ok = 1;
        long bad = 2;
        while (epsilon(s, q, bad) <= s.targetEpsilon()) {
            ok = bad;
            bad *= 2;
            if (bad > 1L << 40) {
                return Long.MAX_VALUE;
            }
        }
        while (bad - ok > 1) {
            long mid = ok + (bad - ok) / 2;
            if (epsilon(s, q, mid) <= s.targetEpsilon()) {
                ok = mid;
            } else {
                bad = mid;
            }
        }
        return ok;
    }

    /** ε after {@code steps} steps by the run's own accountant, the one its noise was calibrated with. */
    private static double epsilon(DpSgdSettings s, double q, long steps) {
        PrivacyAccountant a = PrivacyAccountant.named(s.accountant());
        a.step(s.noiseMultiplier(), q, steps);
        return a.spent(s.delta()).epsilon();
    }
}
