package dev.mycel.train.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.tensor.ThreadPool;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Every backward pass against central finite differences (see {@link FiniteDifferences}). */
class GradientCheckTest {
    private static final ThreadPool POOL = new ThreadPool(2);
    private static final float H = FiniteDifferences.H;

    @AfterAll
    static void close() {
        POOL.close();
    }

    static Tensor random(Random rnd, boolean trainable, int... shape) {
        return FiniteDifferences.random(rnd, trainable, shape);
    }

    static void check(String what, List<Tensor> inputs, Function<Tape, Tensor> output) {
        FiniteDifferences.check(POOL, what, inputs, output);
    }

    @Test
    void linearWithAndWithoutBias() {
        Random rnd = new Random(1);
        Tensor x = random(rnd, true, 7, 5);
        Tensor w = random(rnd, true, 3, 5);
        Tensor b = random(rnd, true, 3);
        check("linear", List.of(x, w, b), tape -> MatrixOps.linear(tape, x, w, b));
        check("linear without bias", List.of(x, w), tape -> MatrixOps.linear(tape, x, w, null));
    }

    @Test
    void conv2dWithPaddingAndStride() {
        Random rnd = new Random(2);
        Tensor x = random(rnd, true, 2, 6, 5, 3);
        Tensor w = random(rnd, true, 4, 3, 3, 3);
        Tensor b = random(rnd, true, 4);
        check("conv2d pad 1", List.of(x, w, b), tape -> ConvOps.conv2d(tape, x, w, b, 1, 1));
        check("conv2d stride 2", List.of(x, w, b), tape -> ConvOps.conv2d(tape, x, w, b, 2, 0));
        // A frozen weight and no bias: the input's gradient then goes through the patch matrix.
        Tensor frozen = Tensor.constant(w.data().clone(), 4, 3, 3, 3);
        check("conv2d frozen weight", List.of(x), tape -> ConvOps.conv2d(tape, x, frozen, null, 1, 1));
    }

    @Test
    void maxPoolSendsGradientToTheMaximum() {
        Random rnd = new Random(3);
        // Spread values so that h never changes which element is the maximum.
        Tensor x = random(rnd, true, 2, 4, 6, 3);
        float[] d = x.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = i * 0.37f % 5f + (i % 7) * 0.05f;
        }
        check("maxPool2d", List.of(x), tape -> ConvOps.maxPool2d(tape, x, 2, 2));
    }

    @Test
    void maxPoolTakesTheFirstMaximumInRowMajorOrderAndNaNOverNumbers() {
        // One 2x2 window, two channels: channel 0 ties at 5 (top right, bottom left), channel 1
        // has a NaN bottom right after a larger number.
        float nan = Float.NaN;
        Tensor x = Tensor.trainable(new float[] {1, 9, 5, 2, 5, 3, 0, nan}, 1, 2, 2, 2);
        try (ThreadPool pool = new ThreadPool(2)) {
            Tape tape = new Tape(pool, true, 0);
            Tensor y = ConvOps.maxPool2d(tape, x, 2, 2);
            assertEquals(5f, y.data()[0]);
            assertTrue(Float.isNaN(y.data()[1]));
            tape.record(() -> {
                y.gradForUpdate()[0] = 1f;
                y.gradForUpdate()[1] = 2f;
            });
            tape.backward(Tensor.zeros(true, 1));
            assertArrayEquals(new float[] {0, 0, 1, 0, 0, 0, 0, 2}, x.grad());
        }
    }

    @Test
    void activations() {
        Random rnd = new Random(4);
        Tensor x = random(rnd, true, 5, 9);
        float[] d = x.data();
        for (int i = 0; i < d.length; i++) {
            if (Math.abs(d[i]) < 0.05f) {
                d[i] = 0.5f; // ReLU has no derivative at 0
            }
        }
        check("relu", List.of(x), tape -> Activations.relu(tape, x));
        check("silu", List.of(x), tape -> Activations.silu(tape, x));
        check("gelu", List.of(x), tape -> Activations.gelu(tape, x));
    }

    @Test
    void softmaxCrossEntropyIncludingIgnoredRows() {
        Random rnd = new Random(5);
        Tensor z = random(rnd, true, 6, 4);
        int[] targets = {0, 3, -1, 2, 1, 1};
        Tape tape = new Tape(POOL, true, 0);
        Tensor loss = Losses.softmaxCrossEntropy(tape, z, targets);
        tape.backward(loss);
        float[] analytic = z.grad().clone();
        float[] x = z.data();
        for (int i = 0; i < x.length; i++) {
            float keep = x[i];
            x[i] = keep + H;
            float plus = Losses.softmaxCrossEntropy(new Tape(POOL, false, 0), z, targets).item();
            x[i] = keep - H;
            float minus = Losses.softmaxCrossEntropy(new Tape(POOL, false, 0), z, targets).item();
            x[i] = keep;
            double numeric = (plus - (double) minus) / (2 * H);
            assertEquals(numeric, analytic[i], 2e-3, "logit " + i);
        }
        for (int j = 0; j < 4; j++) {
            assertEquals(0f, analytic[2 * 4 + j], "an ignored row gets no gradient");
        }
    }

    @Test
    void dropoutIsTheSameMaskForwardAndBack() {
        Random rnd = new Random(6);
        Tensor x = random(rnd, true, 4, 8);
        check("dropout", List.of(x), tape -> Dropout.apply(tape, x, 0.3f, 17, 2));
    }
}
