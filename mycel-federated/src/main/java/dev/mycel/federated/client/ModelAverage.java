package dev.mycel.federated.client;

/**
 * An exponential moving average of the global models a run publishes, kept by whoever wants
 * it (the simulation's coordinator, or any participant: every global model is in a round
 * record). Averaging the noisy iterates of DP training cancels part of each step's noise
 * (De et al. 2022 use it to reach their DP accuracies); it reads only published models, so it
 * is post-processing and costs no privacy.
 *
 * <p>The decay warms up as TensorFlow's {@code ExponentialMovingAverage} with a step count
 * does, min(β, (1 + t) / (10 + t)), so the first models are not swamped by the initial one.
 * Float arithmetic in a fixed order: the same models give the same bits everywhere.
 */
public final class ModelAverage {
    private final double decay;
    private float[] average;
    private int updates;

    public ModelAverage(double decay) {
        if (!(decay > 0 && decay < 1)) {
            throw new IllegalArgumentException("the average's decay must be in (0, 1), not " + decay);
        }
        this.decay = decay;
    }

    /** Folds in the next global model and returns the average so far (a copy). */
    public float[] add(float[] model) {
        if (average == null) {
            average = model.clone();
        } else {
            if (model.length != average.length) {
                throw new IllegalArgumentException("a model of " + model.length + " parameters cannot join an average of "
                        + average.length);
            }
            float d = (float) Math.min(decay, (1.0 + updates) / (10.0 + updates));
            float rest = 1f - d;
            for (int i = 0; i < average.length; i++) {
                average[i] = d * average[i] + rest * model[i];
            }
        }
        updates++;
        return average.clone();
    }

    /** How many models the average holds. */
    public int updates() {
        return updates;
    }
}
