package dev.mycel.train.nn;

import dev.mycel.train.autograd.NormOps;
import dev.mycel.train.autograd.Tape;
import dev.mycel.train.autograd.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Layer normalisation (GPT-2's) with a learned gain and bias, {@code name + ".weight"} and
 * {@code name + ".bias"} [dim], initialised to ones and zeros as PyTorch does.
 */
public final class LayerNorm implements Module {
    private final Parameter weight;
    private final Parameter bias;
    private final float eps;

    public LayerNorm(String name, int dim, float eps) {
        float[] ones = new float[dim];
        Arrays.fill(ones, 1f);
        weight = new Parameter(name + ".weight", Tensor.trainable(ones, dim));
        bias = new Parameter(name + ".bias", Tensor.zeros(true, dim));
        this.eps = eps;
    }

    /** x [n, dim] to [n, dim]. */
    public Tensor forward(Tape tape, Tensor x) {
        return NormOps.layerNorm(tape, x, weight.value(), bias.value(), eps);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }
}
