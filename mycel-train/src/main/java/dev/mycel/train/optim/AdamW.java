package dev.mycel.train.optim;

import dev.mycel.train.nn.Parameter;
import java.util.List;

/**
 * AdamW (PyTorch's {@code torch.optim.AdamW}, without amsgrad): Adam with decoupled weight
 * decay, which shrinks the weights by {@code lr * weight_decay * w} before the Adam step instead
 * of adding to the gradient.
 *
 * <p>The formula is {@link Adam}'s with no L2 term and one more scalar, computed once per step
 * in double and cast to float once: {@code δ = (float) (1 - lr * weight_decay)}; per element
 * (float operations rounded in the order written):
 *
 * <pre>
 * g = grad[i]
 * if weight_decay != 0:  w[i] = w[i] * δ
 * m[i] = b1 * m[i] + c1 * g
 * v[i] = b2 * v[i] + c2 * (g * g)
 * d    = sqrt(v[i]) / s + ε
 * w[i] = w[i] - α * (m[i] / d)
 * </pre>
 *
 * with {@code α}, {@code s}, {@code b1}, {@code c1}, {@code b2}, {@code c2}, {@code ε} and {@code
 * sqrt} as {@link Adam} defines them.
 *
 * <p>Slots: {@code exp_avg} and {@code exp_avg_sq}.
 */
public final class AdamW extends AdamCore {
    /** The name checkpoints record. */
    public static final String KIND = "adamw";
    /** PyTorch's AdamW defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public static final Adam.Options DEFAULTS = new Adam.Options(0.9, 0.999, 1e-8, 0.01);

    public AdamW(List<Parameter> parameters, Adam.Options options) {
        super(KIND, parameters, options, true);
    }

    /** AdamW with PyTorch's defaults. */
    public AdamW(List<Parameter> parameters) {
        this(parameters, DEFAULTS);
    }
}
