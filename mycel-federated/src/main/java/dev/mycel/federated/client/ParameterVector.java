package dev.mycel.federated.client;

import dev.mycel.train.nn.Parameter;
import java.util.List;

/**
 * A model's parameters as one flat vector, in the model's parameter order: what travels between
 * a coordinator and its clients, and what strategies aggregate.
 */
public final class ParameterVector {
    private ParameterVector() {
    }

    public static int size(List<Parameter> parameters) {
        long n = 0;
        for (Parameter p : parameters) {
            n += p.size();
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many parameters for one vector: " + n);
        }
        return (int) n;
    }

    public static float[] of(List<Parameter> parameters) {
        return flatten(parameters, Parameter::data);
    }

    /** The parameters' gradients as one vector, in the same order as {@link #of}. */
    public static float[] gradients(List<Parameter> parameters) {
        return flatten(parameters, Parameter::grad);
    }

    private static float[] flatten(List<Parameter> parameters, java.util.function.Function<Parameter, float[]> part) {
        float[] v = new float[size(parameters)];
        int at = 0;
        for (Parameter p : parameters) {
            System.arraycopy(part.apply(p), 0, v, at, p.size());
            at += p.size();
        }
        return v;
    }

    /** Writes {@code vector} into the parameters; its length must be theirs. */
    public static void load(float[] vector, List<Parameter> parameters) {
        if (vector.length != size(parameters)) {
            throw new IllegalArgumentException("a vector of " + vector.length + " values for a model of "
                    + size(parameters) + " parameters");
        }
        int at = 0;
        for (Parameter p : parameters) {
            System.arraycopy(vector, at, p.data(), 0, p.size());
            at += p.size();
        }
    }
}
