package dev.mycel.inference.client;

import java.util.SplittableRandom;

/**
 * Which steps are also run on a second server and compared by hash. The first step of a server
 * for some blocks is always checked unless the client verified it for those blocks in the last
 * few minutes ({@link VerifiedServers}), so a server that lies all the time is caught before any
 * of its output is used; after that a fraction of the steps, drawn from a seeded generator.
 */
public final class SpotCheckPolicy {
    private final double fraction;
    private final SplittableRandom random;

    public SpotCheckPolicy(double fraction, long seed) {
        if (fraction < 0 || fraction > 1) {
            throw new IllegalArgumentException("spot-check fraction must be within 0..1, got " + fraction);
        }
        this.fraction = fraction;
        this.random = new SplittableRandom(seed);
    }

    public static SpotCheckPolicy none() {
        return new SpotCheckPolicy(0, 0);
    }

    public double fraction() {
        return fraction;
    }

    boolean check(boolean notVerified) {
        if (fraction == 0) {
            return false;
        }
        return notVerified || random.nextDouble() < fraction;
    }
}
