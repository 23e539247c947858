package dev.mycel.train.optim;

import dev.mycel.train.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum (PyTorch's {@code torch.optim.SGD}: heavy
 * ball or Nesterov, dampening, and L2 weight decay added to the gradient).
 *
 * <p>The formula, per element {@code i} of a parameter {@code w} with gradient {@code grad} and
 * momentum buffer {@code buf}, where every operation is a float operation rounded in the order
 * written, {@code t} is this parameter's step number (1 on its first update), and the
 * coefficients are cast to float once: {@code η = (float) lr}, {@code μ = (float) momentum},
 * {@code c = (float) (1 - dampening)} (the subtraction in double), {@code λ = (float)
 * weight_decay}:
 *
 * <pre>
 * g = grad[i]
 * if weight_decay != 0:  g = g + λ * w[i]
 * if momentum != 0:
 *     b = (t == 1) ? g : μ * buf[i] + c * g      // the first step copies the gradient, as PyTorch does
 *     buf[i] = b
 *     g = nesterov ? g + μ * b : b
 * w[i] = w[i] - η * g
 * </pre>
 *
 * <p>Slot: {@code momentum_buffer}, kept only when momentum is above 0 (PyTorch keeps none
 * either then).
 */
public final class Sgd extends AbstractOptimizer {
    /** The name checkpoints record. */
    public static final String KIND = "sgd";
    /** The momentum buffer's slot name. */
    public static final String MOMENTUM_BUFFER = "momentum_buffer";

    /**
     * The options of {@code torch.optim.SGD} other than the learning rate, which every step is
     * given.
     *
     * @param momentum the momentum factor, 0 (none) or more
     * @param dampening how much of the gradient is damped in the momentum buffer, 0 or more
     * @param weightDecay the L2 penalty added to the gradient ({@code g + weightDecay * w}), 0 or more
     * @param nesterov Nesterov momentum (needs momentum above 0 and no dampening)
     */
    public record Options(double momentum, double dampening, double weightDecay, boolean nesterov) {
        /** No momentum, no dampening, no weight decay (PyTorch's defaults). */
        public static final Options DEFAULTS = new Options(0, 0, 0, false);

        public Options {
            check(KIND, "momentum", momentum, 0, Double.POSITIVE_INFINITY, false);
            check(KIND, "dampening", dampening, 0, Double.POSITIVE_INFINITY, false);
            check(KIND, "weight decay", weightDecay, 0, Double.POSITIVE_INFINITY, false);
            if (nesterov && (momentum <= 0 || dampening != 0)) {
                throw new IllegalArgumentException(KIND + ": Nesterov momentum needs a momentum above 0 and zero "
                        + "dampening (momentum " + momentum + ", dampening " + dampening + ")");
            }
        }

        public Options withMomentum(double value) {
            return new Options(value, dampening, weightDecay, nesterov);
        }

        public Options withDampening(double value) {
            return new Options(momentum, value, weightDecay, nesterov);
        }

        public Options withWeightDecay(double value) {
            return new Options(momentum, dampening, value, nesterov);
        }

        public Options withNesterov(boolean value) {
            return new Options(momentum, dampening, weightDecay, value);
        }
    }

    private final Options options;
    private final float mu;
    private final float dampingComplement;
    private final float lambda;

    public Sgd(List<Parameter> parameters, Options options) {
        super(KIND, parameters, hyper(options), options.momentum() != 0 ? List.of(MOMENTUM_BUFFER) : List.of());
        this.options = options;
        this.mu = (float) options.momentum();
        this.dampingComplement = (float) (1 - options.dampening());
        this.lambda = (float) options.weightDecay();
    }

    /** Plain SGD: {@code w = w - lr * grad}. */
    public Sgd(List<Parameter> parameters) {
        this(parameters, Options.DEFAULTS);
    }

    public Options options() {
        return options;
    }

    private static Map<String, String> hyper(Options o) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("momentum", Double.toString(o.momentum()));
        m.put("dampening", Double.toString(o.dampening()));
        m.put("weight_decay", Double.toString(o.weightDecay()));
        m.put("nesterov", Boolean.toString(o.nesterov()));
        return m;
    }

    @Override
    void update(float[] w, float[] grad, float[][] slots, double lr, long t) {
        float eta = (float) lr;
        boolean decay = options.weightDecay() != 0;
        boolean momentum = options.momentum() != 0;
        boolean nesterov = options.nesterov();
        float[] buf = momentum ? slots[0] : null;
        for (int i = 0; i < w.length; i++) {
            float g = grad[i];
            if (decay) {
                g = g + lambda * w[i];
            }
            if (momentum) {
                float b = t == 1 ? g : mu * buf[i] + dampingComplement * g;
                buf[i] = b;
                g = nesterov ? g + mu * b : b;
            }
            w[i] = w[i] - eta * g;
        }
    }
}
