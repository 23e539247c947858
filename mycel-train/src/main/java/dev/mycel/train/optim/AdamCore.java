package dev.mycel.train.optim;

import dev.mycel.train.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Adam and AdamW: the same moments and step, with L2 or decoupled weight decay. */
abstract class AdamCore extends AbstractOptimizer {
    /** The first moment's slot name (PyTorch's). */
    static final String EXP_AVG = "exp_avg";
    /** The second moment's slot name (PyTorch's). */
    static final String EXP_AVG_SQ = "exp_avg_sq";

    private final Adam.Options options;
    private final boolean decoupled;
    private final float b1;
    private final float c1;
    private final float b2;
    private final float c2;
    private final float eps;
    private final float lambda;

    AdamCore(String kind, List<Parameter> parameters, Adam.Options options, boolean decoupled) {
        super(kind, parameters, hyper(options), List.of(EXP_AVG, EXP_AVG_SQ));
        this.options = options;
        this.decoupled = decoupled;
        this.b1 = (float) options.beta1();
        this.c1 = (float) (1 - options.beta1());
        this.b2 = (float) options.beta2();
        this.c2 = (float) (1 - options.beta2());
        this.eps = (float) options.eps();
        this.lambda = (float) options.weightDecay();
    }

    public final Adam.Options options() {
        return options;
    }

    private static Map<String, String> hyper(Adam.Options o) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("beta1", Double.toString(o.beta1()));
        m.put("beta2", Double.toString(o.beta2()));
        m.put("eps", Double.toString(o.eps()));
        m.put("weight_decay", Double.toString(o.weightDecay()));
        return m;
    }

    @Override
    final void update(float[] w, float[] grad, float[][] slots, double lr, long t) {
        double bc1 = 1 - StrictMath.pow(options.beta1(), t);
        double bc2 = 1 - StrictMath.pow(options.beta2(), t);
        float alpha = (float) (lr / bc1);
        float s = (float) Math.sqrt(bc2);
        boolean decay = options.weightDecay() != 0;
        boolean l2 = decay && !decoupled;
        float delta = decay && decoupled ? (float) (1 - lr * options.weightDecay()) : 1f;
        boolean shrink = decay && decoupled;
        float[] m = slots[0];
        float[] v = slots[1];
        for (int i = 0; i < w.length; i++) {
            float g = grad[i];
            float wi = w[i];
            if (l2) {
                g = g + lambda * wi;
            }
            if (shrink) {
                wi = wi * delta;
            }
            float mi = b1 * m[i] + c1 * g;
            float vi = b2 * v[i] + c2 * (g * g);
            m[i] = mi;
            v[i] = vi;
            float d = (float) Math.sqrt(vi) / s + eps;
            w[i] = wi - alpha * (mi / d);
        }
    }
}
