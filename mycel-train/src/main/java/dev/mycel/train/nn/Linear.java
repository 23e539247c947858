package dev.mycel.train.nn;

import dev.mycel.train.autograd.MatrixOps;
import dev.mycel.train.autograd.Tape;
import dev.mycel.train.autograd.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/** A fully connected layer: weight [out, in], optional bias [out]. */
public final class Linear implements Module {
    private final Parameter weight;
    private final Parameter bias;

    public Linear(String name, int in, int out, boolean withBias, RandomGenerator rng) {
        float bound = Init.fanInBound(in);
        weight = new Parameter(name + ".weight", Tensor.trainable(Init.uniform(rng, in * out, bound), out, in));
        bias = withBias ? new Parameter(name + ".bias", Tensor.trainable(Init.uniform(rng, out, bound), out)) : null;
    }

    private Linear(Parameter weight) {
        this.weight = weight;
        this.bias = null;
    }

    /**
     * A layer without bias whose weights are drawn normal(0, std): GPT-2's and nanoGPT's
     * initialisation (std 0.02), which transformers use instead of PyTorch's uniform default.
     */
    public static Linear normal(String name, int in, int out, float std, RandomGenerator rng) {
        return new Linear(new Parameter(name + ".weight",
                Tensor.trainable(Init.normal(rng, Math.multiplyExact(in, out), std), out, in)));
    }

    /** x [n, in] to [n, out]. */
    public Tensor forward(Tape tape, Tensor x) {
        return MatrixOps.linear(tape, x, weight.value(), bias == null ? null : bias.value());
    }

    public Parameter weight() {
        return weight;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        ps.add(weight);
        if (bias != null) {
            ps.add(bias);
        }
        return ps;
    }
}
