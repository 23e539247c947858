package dev.mycel.train.nn;

import dev.mycel.train.autograd.Tensor;

/**
 * A trainable tensor with the name it is saved under (in checkpoints and exported models), for
 * example {@code "conv1.weight"}. A model lists its parameters in one fixed order; that order is
 * the order of the canonical weight bytes that are hashed.
 */
public record Parameter(String name, Tensor value) {
    public Parameter {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a parameter needs a name");
        }
        if (!value.requiresGrad()) {
            throw new IllegalArgumentException("parameter " + name + " must be trainable");
        }
    }

    public float[] data() {
        return value.data();
    }

    /** The gradient, allocated (zeros) if none has been collected yet. */
    public float[] grad() {
        return value.gradForUpdate();
    }

    public int size() {
        return value.size();
    }
}
