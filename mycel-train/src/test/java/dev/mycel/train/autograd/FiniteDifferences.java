package dev.mycel.train.autograd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.tensor.ThreadPool;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Checks backward passes against central finite differences: the loss is a fixed random
 * weighting of the operation's output, so each output element's gradient is exercised, and every
 * input element's gradient is compared with (f(x + h) − f(x − h)) / 2h.
 */
final class FiniteDifferences {
    static final float H = 1e-2f;

    private FiniteDifferences() {
    }

    static Tensor random(Random rnd, boolean trainable, int... shape) {
        int size = 1;
        for (int d : shape) {
            size *= d;
        }
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return trainable ? Tensor.trainable(x, shape) : Tensor.constant(x, shape);
    }

    /** A loss that weights each output element by a fixed random number. */
    static Tensor weightedSum(Tape tape, Tensor y, long seed) {
        Random rnd = new Random(seed);
        float[] r = new float[y.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) rnd.nextGaussian();
        }
        Tensor flat = y.reshape(1, y.size());
        return MatrixOps.linear(tape, flat, Tensor.constant(r, 1, r.length), null).reshape(1);
    }

    /** Checks d(loss)/d(input) for every element of every tensor of {@code inputs}. */
    static void check(ThreadPool pool, String what, List<Tensor> inputs, Function<Tape, Tensor> output) {
        Tape tape = new Tape(pool, true, 0);
        Tensor loss = weightedSum(tape, output.apply(tape), 99);
        for (Tensor t : inputs) {
            t.zeroGrad();
        }
        tape.backward(loss);
        for (int n = 0; n < inputs.size(); n++) {
            Tensor t = inputs.get(n);
            float[] analytic = t.grad().clone();
            float[] x = t.data();
            for (int i = 0; i < x.length; i++) {
                float keep = x[i];
                x[i] = keep + H;
                float plus = evaluate(pool, output);
                x[i] = keep - H;
                float minus = evaluate(pool, output);
                x[i] = keep;
                double numeric = (plus - (double) minus) / (2 * H);
                double tolerance = 2e-2 * Math.max(1.0, Math.abs(numeric));
                assertTrue(Math.abs(numeric - analytic[i]) <= tolerance,
                        what + ": input " + n + " element " + i + ": analytic " + analytic[i] + ", numeric " + numeric);
            }
        }
    }

    private static float evaluate(ThreadPool pool, Function<Tape, Tensor> output) {
        // A training tape (never replayed), so that dropout draws the mask the checked pass drew.
        Tape tape = new Tape(pool, true, 0);
        return weightedSum(tape, output.apply(tape), 99).item();
    }
}
