package dev.mycel.train.nn;

import dev.mycel.train.autograd.ConvOps;
import dev.mycel.train.autograd.Tape;
import dev.mycel.train.autograd.Tensor;
import java.util.List;
import java.util.random.RandomGenerator;

/** A 2-D convolution over NHWC images: weight [out, k, k, in], bias [out]. */
public final class Conv2d implements Module {
    private final Parameter weight;
    private final Parameter bias;
    private final int stride;
    private final int padding;

    public Conv2d(String name, int in, int out, int kernel, int stride, int padding, RandomGenerator rng) {
        int fanIn = in * kernel * kernel;
        float bound = Init.fanInBound(fanIn);
        weight = new Parameter(name + ".weight",
                Tensor.trainable(Init.uniform(rng, out * fanIn, bound), out, kernel, kernel, in));
        bias = new Parameter(name + ".bias", Tensor.trainable(Init.uniform(rng, out, bound), out));
        this.stride = stride;
        this.padding = padding;
    }

    public Tensor forward(Tape tape, Tensor x) {
        return ConvOps.conv2d(tape, x, weight.value(), bias.value(), stride, padding);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }
}
