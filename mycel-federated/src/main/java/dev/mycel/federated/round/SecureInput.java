package dev.mycel.federated.round;

/**
 * How a client's update becomes the vector it hands secure aggregation, and how the coordinator
 * turns the unmasked sum back into a model: pure functions, so every participant repeats them
 * bit for bit.
 *
 * <p>A client sends {@code [w·c·Δ, w·S]}, where {@code Δ} is its update minus the global model,
 * {@code c = min(1, S / ‖Δ‖)} clips it to the norm S (each coordinate then lies in
 * {@code [-S, S]}, the quantiser's range), and {@code w} its weight: {@code min(n, W) / W} for n
 * examples and the round's weight bound W, or 1 when W is 0 (equal weights, as client-level DP
 * needs). The sum over clients is {@code [Σ w·c·Δ, S·Σ w]}: its ratio is the example-weighted
 * mean of the clipped updates, all a mean-based strategy (FedAvg and kin) needs. Clipping and
 * quantising come before masking, so DP noise a client adds survives into the sum unchanged.
 */
public final class SecureInput {
    private SecureInput() {
    }

    /** The weight of a client with {@code examples} examples under the bound W (0: equal weights). */
    public static double weight(long examples, long weightBound) {
        return weightBound == 0 ? 1.0 : Math.min(examples, weightBound) / (double) weightBound;
    }

    /**
     * The vector a client sends: its clipped, weighted update and its weight, {@code global.length + 1} values.
     *
     * @throws IllegalArgumentException when the update has a NaN or an infinity, or the wrong length
     */
    public static float[] encode(float[] global, float[] parameters, long examples, double clipNorm, long weightBound) {
        return encode(global, parameters, examples, clipNorm, weightBound, false);
    }

    /**
     * As {@link #encode(float[], float[], long, double, long)}, with one more value when {@code
     * countWithin}: S if the update's norm was at most S before clipping, else 0.
     */
    public static float[] encode(float[] global, float[] parameters, long examples, double clipNorm, long weightBound,
                                 boolean countWithin) {
        if (parameters.length != global.length) {
            throw new IllegalArgumentException("the update has " + parameters.length + " values, the model " + global.length);
        }
        double sq = 0;
        double[] delta = new double[global.length];
        for (int i = 0; i < delta.length; i++) {
            delta[i] = (double) parameters[i] - global[i];
            sq += delta[i] * delta[i];
        }
        if (!Double.isFinite(sq)) {
            throw new IllegalArgumentException("the update has a NaN or an infinity");
        }
        double norm = Math.sqrt(sq);
        double scale = weight(examples, weightBound) * (norm > clipNorm ? clipNorm / norm : 1.0);
        float[] out = new float[global.length + (countWithin ? 2 : 1)];
        for (int i = 0; i < delta.length; i++) {
            out[i] = (float) (scale * delta[i]);
        }
        out[global.length] = (float) (weight(examples, weightBound) * clipNorm);
        if (countWithin) {
            out[global.length + 1] = norm <= clipNorm ? (float) clipNorm : 0f;
        }
        return out;
    }

    /** From a sum with the within-clip values: how many clients' updates were within the clipping norm (not rounded). */
    public static double withinCount(float[] global, double[] sum, double clipNorm) {
        if (sum.length != global.length + 2) {
            throw new IllegalArgumentException("the sum has no within-clip count");
        }
        return sum[global.length + 1] / clipNorm;
    }

    /**
     * The model {@code global + Σ w·c·Δ / Σ w} from an unmasked, dequantised sum.
     *
     * @throws IllegalArgumentException when the weights sum to zero or less (nothing to average)
     */
    public static float[] meanModel(float[] global, double[] sum, double clipNorm) {
        if (sum.length != global.length + 1 && sum.length != global.length + 2) {
            throw new IllegalArgumentException("the sum has " + sum.length + " values, the model " + global.length + " plus one or two");
        }
        double totalWeight = sum[global.length] / clipNorm;
        if (!(totalWeight > 0)) {
            throw new IllegalArgumentException("the clients' weights sum to " + totalWeight + ": nothing to average");
        }
        float[] model = new float[global.length];
        for (int i = 0; i < model.length; i++) {
            model[i] = (float) (global[i] + sum[i] / totalWeight);
        }
        return model;
    }
}
