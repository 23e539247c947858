package dev.mycel.federated.privacy;

import dev.mycel.train.nn.Parameter;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Adds the Gaussian mechanism's noise to summed, clipped gradients and scales them to a mean:
 * {@code g ← (g + N(0, (σ·C)²)) / expectedBatch}, element by element (Opacus's noise for
 * {@code loss_reduction = "mean"} with Poisson sampling, where the divisor is the expected batch
 * size, not the drawn one, so that the batch's size reveals nothing).
 *
 * <p>The noise must come from a cryptographically secure generator in real use
 * ({@link java.security.SecureRandom}): a predictable generator lets an observer subtract the
 * noise. Tests pass a seeded one.
 */
public final class GaussianMechanism {
    private GaussianMechanism() {
    }

    public static void noiseAndScale(List<Parameter> parameters, double noiseStd, double expectedBatch,
                                     RandomGenerator random) {
        if (!(expectedBatch > 0)) {
            throw new IllegalArgumentException("expected batch size must be positive, not " + expectedBatch);
        }
        for (Parameter p : parameters) {
            float[] g = p.grad();
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) ((g[i] + noiseStd * random.nextGaussian()) / expectedBatch);
            }
        }
    }
}
