package dev.mycel.train.data;

import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Random draws that are the same bits on every JVM and CPU for the same seed.
 *
 * <p>The generator is the JDK's L64X128MixRandom, an LXM generator whose algorithm the
 * {@code java.util.random} package specification fixes (a test pins its first outputs for a
 * seed, so a JDK that seeded it differently would be noticed). Only its {@code nextLong()} is used: bounded integers, doubles and Gaussians are
 * derived here, because the JDK's own versions of those ({@code nextInt(bound)},
 * {@code nextGaussian()}) are not specified to the bit, and the transcendental functions come
 * from {@link StrictMath}, whose results are fixed, never {@link Math}, whose may vary.
 *
 * <p>Not thread-safe: give each thread its own, derived from a seed.
 */
public final class SeededRandom {
    /** The generator's name in {@link RandomGeneratorFactory}. */
    public static final String ALGORITHM = "L64X128MixRandom";

    private static final double TWO_PI = 2 * StrictMath.PI;

    private final RandomGenerator generator;

    private SeededRandom(RandomGenerator generator) {
        this.generator = generator;
    }

    /** A generator seeded with {@code seed}. */
    public static SeededRandom of(long seed) {
        return new SeededRandom(RandomGeneratorFactory.of(ALGORITHM).create(seed));
    }

    /** 64 uniformly random bits. */
    public long nextLong() {
        return generator.nextLong();
    }

    /**
     * A uniform integer in {@code [0, bound)}: Lemire's multiply-and-shift on 64 bits, redrawing
     * the few values that would make some results likelier than others, so there is no bias.
     */
    public int below(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        long b = bound;
        long x = nextLong();
        long low = x * b;
        if (Long.compareUnsigned(low, b) < 0) {
            long threshold = Long.remainderUnsigned(-b, b);
            while (Long.compareUnsigned(low, threshold) < 0) {
                x = nextLong();
                low = x * b;
            }
        }
        return (int) Math.unsignedMultiplyHigh(x, b);
    }

    /** A uniform double in {@code [0, 1)}: the top 53 bits, scaled exactly. */
    public double unit() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** A uniform double in {@code (0, 1]}, safe to take the logarithm of. */
    public double unitAboveZero() {
        return ((nextLong() >>> 11) + 1) * 0x1.0p-53;
    }

    /**
     * A standard normal draw by the Box–Muller transform on {@link StrictMath}:
     * {@code sqrt(-2 ln u1) cos(2π u2)} with {@code u1} in (0, 1] and {@code u2} in [0, 1). It
     * uses two uniforms per draw and keeps no spare, so the stream depends only on how many
     * draws were made.
     */
    public double gaussian() {
        double radius = StrictMath.sqrt(-2 * StrictMath.log(unitAboveZero()));
        return radius * StrictMath.cos(TWO_PI * unit());
    }

    /** Shuffles {@code values} in place (Fisher–Yates from the end, each swap partner by {@link #below}). */
    public void shuffle(int[] values) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = below(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }
}
