package dev.mycel.train.optim;

import dev.mycel.train.nn.Parameter;
import java.util.List;

/**
 * What a trainer does to gradients between the backward passes and the step: check them, average
 * accumulated micro-batches, clip by global norm. Parameters without a gradient (null) are left
 * out, as PyTorch leaves out {@code grad is None}; nothing here allocates a gradient.
 */
public final class Gradients {
    /** Added to the norm before dividing, as PyTorch's {@code clip_grad_norm_} does. */
    public static final double CLIP_EPSILON = 1e-6;

    private Gradients() {
    }

    /**
     * Throws, naming the parameter, the element and the value, when any gradient holds NaN or an
     * infinity; parameters are checked in order, elements in order.
     */
    public static void requireFinite(List<Parameter> parameters) {
        for (Parameter p : parameters) {
            float[] g = p.value().grad();
            if (g == null) {
                continue;
            }
            for (int i = 0; i < g.length; i++) {
                if (!Float.isFinite(g[i])) {
                    throw new NonFiniteGradientException(p.name(), i, g[i]);
                }
            }
        }
    }

    /**
     * The L2 norm of all gradients together: {@code Math.sqrt(sum)} where {@code sum} is a double
     * that adds {@code (double) g * g} (an exact product) for every element of every gradient, in
     * parameter order and element order. NaN or infinite when a gradient is.
     */
    public static double globalNorm(List<Parameter> parameters) {
        double sum = 0;
        for (Parameter p : parameters) {
            float[] g = p.value().grad();
            if (g == null) {
                continue;
            }
            for (float x : g) {
                sum += (double) x * x;
            }
        }
        return Math.sqrt(sum);
    }

    /**
     * Scales all gradients together so that their {@link #globalNorm global norm} is at most
     * about {@code maxNorm}, as PyTorch's {@code clip_grad_norm_}: with {@code norm} the global
     * norm and {@code scale = maxNorm / (norm + 1e-6)} (in double), every gradient element becomes
     * {@code g * (float) scale} (a float product) when {@code scale < 1}; nothing changes otherwise.
     *
     * <p>Unlike PyTorch's default, a gradient holding NaN or an infinity is refused (as with
     * PyTorch's {@code error_if_nonfinite=True}), before anything is scaled: scaling would only
     * spread the NaN.
     *
     * @return the global norm before clipping (to log)
     * @throws NonFiniteGradientException naming the first parameter whose gradient is not finite
     * @throws IllegalArgumentException when {@code maxNorm} is not positive and finite
     */
    public static double clipByGlobalNorm(List<Parameter> parameters, double maxNorm) {
        if (!(maxNorm > 0) || maxNorm == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("the largest norm must be positive and finite, not " + maxNorm);
        }
        double norm = globalNorm(parameters);
        if (!Double.isFinite(norm)) {
            requireFinite(parameters);
            throw new IllegalStateException("gradient norm " + norm + " with finite gradients");
        }
        double scale = maxNorm / (norm + CLIP_EPSILON);
        if (scale < 1) {
            scale(parameters, (float) scale);
        }
        return norm;
    }

    /**
     * Turns gradients summed over {@code microBatches} backward passes into their mean: each
     * element becomes {@code g / (float) microBatches}, one correctly rounded float division.
     *
     * <p>Gradient accumulation works by not zeroing: each backward pass of a micro-batch's mean
     * loss adds into the gradients (in micro-batch order, so the sum has the same bits every
     * run); this then divides once. The result is the float sum of the micro-batch gradients,
     * in order, divided by the count: for equal-sized micro-batches, what the mean loss over the
     * whole batch would give up to rounding (bit-equality with one big batch is not promised: the
     * big batch sums in another order).
     *
     * @throws IllegalArgumentException when {@code microBatches} is below 1 or above 2^24 (the
     *     largest count a float holds exactly)
     */
    public static void averageMicroBatches(List<Parameter> parameters, int microBatches) {
        if (microBatches < 1 || microBatches > 1 << 24) {
            throw new IllegalArgumentException("the micro-batch count must be in [1, 2^24], not " + microBatches);
        }
        if (microBatches == 1) {
            return;
        }
        float k = microBatches;
        for (Parameter p : parameters) {
            float[] g = p.value().grad();
            if (g == null) {
                continue;
            }
            for (int i = 0; i < g.length; i++) {
                g[i] = g[i] / k;
            }
        }
    }

    /** Multiplies every gradient element by {@code factor} (a float product). */
    public static void scale(List<Parameter> parameters, float factor) {
        for (Parameter p : parameters) {
            float[] g = p.value().grad();
            if (g == null) {
                continue;
            }
            for (int i = 0; i < g.length; i++) {
                g[i] = g[i] * factor;
            }
        }
    }
}
