package dev.mycel.train.nn;

import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Seeded weight initialisation. The generator is L64X128MixRandom, whose algorithm the JDK
 * specifies, so a seed gives the same weights on every JVM.
 */
public final class Init {
    private Init() {
    }

    /** The generator every model's initialisation draws from. */
    public static RandomGenerator generator(long seed) {
        return RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    }

    /**
     * Uniform in [−bound, bound): PyTorch's default for linear and convolution layers is this with
     * bound = 1/√fan_in (Kaiming-uniform with a = √5), for weights and biases alike.
     */
    public static float[] uniform(RandomGenerator rng, int size, float bound) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (rng.nextFloat() * 2f - 1f) * bound;
        }
        return x;
    }

    /** Normal with mean 0 and the given deviation, by Box–Muller on StrictMath (nextGaussian is not specified). */
    public static float[] normal(RandomGenerator rng, int size, float std) {
        float[] x = new float[size];
        for (int i = 0; i < size; i += 2) {
            double u1 = 1.0 - rng.nextDouble();
            double u2 = rng.nextDouble();
            double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
            x[i] = (float) (r * StrictMath.cos(2 * StrictMath.PI * u2)) * std;
            if (i + 1 < size) {
                x[i + 1] = (float) (r * StrictMath.sin(2 * StrictMath.PI * u2)) * std;
            }
        }
        return x;
    }

    static float fanInBound(int fanIn) {
        return (float) (1.0 / Math.sqrt(fanIn));
    }
}
