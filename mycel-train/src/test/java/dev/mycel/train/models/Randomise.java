package dev.mycel.train.models;

import dev.mycel.train.nn.Module;
import dev.mycel.train.nn.Parameter;
import java.util.Random;

/** Replaces a model's weights with large random ones, so that tests exercise every non-linearity. */
final class Randomise {
    private Randomise() {
    }

    /** Matrices normal(0, std); norm gains 1 + normal(0, 0.2). */
    static void weights(Module model, float std, long seed) {
        Random rnd = new Random(seed);
        for (Parameter p : model.parameters()) {
            float[] x = p.data();
            boolean gain = p.name().endsWith("norm.weight");
            for (int i = 0; i < x.length; i++) {
                x[i] = gain ? 1f + 0.2f * (float) rnd.nextGaussian() : std * (float) rnd.nextGaussian();
            }
        }
    }
}
