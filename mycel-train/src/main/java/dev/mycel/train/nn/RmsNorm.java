package dev.mycel.train.nn;

import dev.mycel.train.autograd.NormOps;
import dev.mycel.train.autograd.Tape;
import dev.mycel.train.autograd.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Llama's root-mean-square normalisation with a learned gain, weight [dim] named
 * {@code name + ".weight"}, initialised to ones. See {@link NormOps#rmsNorm} for the formula,
 * which is the inference engine's.
 */
public final class RmsNorm implements Module {
    private final Parameter weight;
    private final float eps;

    public RmsNorm(String name, int dim, float eps) {
        float[] ones = new float[dim];
        Arrays.fill(ones, 1f);
        weight = new Parameter(name + ".weight", Tensor.trainable(ones, dim));
        this.eps = eps;
    }

    /** x [n, dim] to [n, dim]. */
    public Tensor forward(Tape tape, Tensor x) {
        return NormOps.rmsNorm(tape, x, weight.value(), eps);
    }

    public Parameter weight() {
        return weight;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight);
    }
}
