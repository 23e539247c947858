package dev.mycel.train.optim;

import dev.mycel.train.autograd.PerExampleGradients;
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
     * DP-SGD's aggregate, as Opacus computes it: each example's gradient clipped to {@code maxNorm}
     * and the clipped gradients summed into the parameters' gradients (noise is for the caller to
     * add). With {@code norm_e} example e's {@link PerExampleGradients#norm norm} and
     * {@code factor_e = (float) min(1, maxNorm / (norm_e + 1e-6))} (the quotient in double), every
     * element of every listed parameter's gradient becomes {@code g + Σ_e g_e · factor_e}: a float
     * product and a float sum per example, examples in order. A factor of 1 is exact, so a large
     * enough {@code maxNorm} gives the plain sum of the per-example gradients in example order.
     *
     * <p>Adds into the gradients (allocating them where null): zero them first, as before a
     * backward pass, unless accumulating several batches. Per-example gradients holding NaN or an
     * infinity are refused before anything is added.
     *
     * @return each example's norm before clipping, in example order (to log)
     * @throws NonFiniteGradientException naming the first example (then parameter, then element)
     *     whose gradient is not finite
     * @throws IllegalArgumentException when {@code maxNorm} is not positive and finite
     */
    public static double[] clipPerExampleAndSum(PerExampleGradients perExample, double maxNorm) {
        if (!(maxNorm > 0) || maxNorm == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("the largest norm must be positive and finite, not " + maxNorm);
        }
        int examples = perExample.examples();
        List<Parameter> parameters = perExample.parameters();
        double[] norms = perExample.norms();
        float[] factors = new float[examples];
        for (int e = 0; e < examples; e++) {
            if (!Double.isFinite(norms[e])) {
                requireFinite(perExample, e);
                throw new IllegalStateException("gradient norm " + norms[e] + " of example " + e + " with finite gradients");
            }
            factors[e] = (float) Math.min(1.0, maxNorm / (norms[e] + CLIP_EPSILON));
        }
        for (Parameter p : parameters) {
            float[] each = perExample.gradients(p);
            float[] g = p.grad();
            int size = g.length;
            for (int e = 0; e < examples; e++) {
                float f = factors[e];
                int off = e * size;
                for (int i = 0; i < size; i++) {
                    g[i] += each[off + i] * f;
                }
            }
        }
        return norms;
    }

    private static void requireFinite(PerExampleGradients perExample, int example) {
        for (Parameter p : perExample.parameters()) {
            float[] each = perExample.gradients(p);
            int size = p.size();
            for (int i = 0; i < size; i++) {
                float v = each[example * size + i];
                if (!Float.isFinite(v)) {
                    throw new NonFiniteGradientException(p.name(), example, i, v);
                }
            }
        }
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
