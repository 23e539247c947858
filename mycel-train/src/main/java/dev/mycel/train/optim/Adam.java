package dev.mycel.train.optim;

import dev.mycel.train.nn.Parameter;
import java.util.List;

/**
 * Adam (PyTorch's {@code torch.optim.Adam}, without amsgrad): weight decay, when set, is an L2
 * penalty added to the gradient; {@code eps} is added after the square root of the
 * bias-corrected second moment.
 *
 * <p>The formula. Once per step and parameter, in double, where {@code t} is this parameter's
 * step number (1 on its first update):
 *
 * <pre>
 * bc1 = 1 - StrictMath.pow(beta1, t)
 * bc2 = 1 - StrictMath.pow(beta2, t)
 * α   = (float) (lr / bc1)
 * s   = (float) Math.sqrt(bc2)
 * </pre>
 *
 * then per element {@code i}, every operation a float operation rounded in the order written,
 * with the coefficients cast to float once: {@code b1 = (float) beta1}, {@code c1 = (float) (1 -
 * beta1)}, {@code b2 = (float) beta2}, {@code c2 = (float) (1 - beta2)} (the subtractions in
 * double), {@code ε = (float) eps}, {@code λ = (float) weight_decay}, and {@code sqrt(x) = (float)
 * Math.sqrt(x)} (the correctly rounded float square root):
 *
 * <pre>
 * g = grad[i]
 * if weight_decay != 0:  g = g + λ * w[i]
 * m[i] = b1 * m[i] + c1 * g
 * v[i] = b2 * v[i] + c2 * (g * g)
 * d    = sqrt(v[i]) / s + ε
 * w[i] = w[i] - α * (m[i] / d)
 * </pre>
 *
 * This is PyTorch's own arrangement of the documented {@code w - lr * m̂ / (sqrt(v̂) + eps)}: the
 * step size {@code lr / bc1} and {@code sqrt(bc2)} are scalars, so the bias corrections cost no
 * division per element.
 *
 * <p>Slots: {@code exp_avg} ({@code m}) and {@code exp_avg_sq} ({@code v}).
 */
public final class Adam extends AdamCore {
    /** The name checkpoints record. */
    public static final String KIND = "adam";
    /** The first moment's slot name. */
    public static final String EXP_AVG = AdamCore.EXP_AVG;
    /** The second moment's slot name. */
    public static final String EXP_AVG_SQ = AdamCore.EXP_AVG_SQ;

    /**
     * The options of {@code torch.optim.Adam} and {@code AdamW} other than the learning rate,
     * which every step is given.
     *
     * @param beta1 decay of the first moment, in [0, 1)
     * @param beta2 decay of the second moment, in [0, 1)
     * @param eps added to the denominator for stability, 0 or more
     * @param weightDecay 0 or more: an L2 penalty for {@link Adam}, decoupled decay for {@link AdamW}
     */
    public record Options(double beta1, double beta2, double eps, double weightDecay) {
        /** PyTorch's Adam defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
        public static final Options DEFAULTS = new Options(0.9, 0.999, 1e-8, 0);

        public Options {
            check("adam", "beta1", beta1, 0, 1, false);
            check("adam", "beta2", beta2, 0, 1, false);
            check("adam", "eps", eps, 0, Double.POSITIVE_INFINITY, false);
            check("adam", "weight decay", weightDecay, 0, Double.POSITIVE_INFINITY, false);
        }

        public Options withBetas(double b1, double b2) {
            return new Options(b1, b2, eps, weightDecay);
        }

        public Options withEps(double value) {
            return new Options(beta1, beta2, value, weightDecay);
        }

        public Options withWeightDecay(double value) {
            return new Options(beta1, beta2, eps, value);
        }
    }

    public Adam(List<Parameter> parameters, Options options) {
        super(KIND, parameters, options, false);
    }

    /** Adam with PyTorch's defaults. */
    public Adam(List<Parameter> parameters) {
        this(parameters, Options.DEFAULTS);
    }
}
