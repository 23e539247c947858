package dev.mycel.train.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mycel.tensor.Lanes;
import dev.mycel.tensor.ThreadPool;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * {@link ConvOps#maxPool2d} against a scalar reference of its rule, bit for bit: per channel the
 * window read in row-major order, the first maximum kept, a NaN taking over from a number and
 * then staying; the gradient to that element. Values come from a handful of levels (so windows
 * tie often), with NaNs and signed zeros mixed in, for channel counts below, at and past the
 * vector width (the vector path and its scalar tail), with strides equal to and smaller than the
 * window; rerun under narrower vectors by the module's pom.
 */
class MaxPoolReferenceTest {
    @Test
    void channelsOnTheVectorPathAndItsTail() {
        int lanes = Lanes.WIDTH;
        for (int c : new int[] {1, 3, lanes, lanes + 3, 2 * lanes, 4 * lanes + 1}) {
            compare(3, 6, 8, c, 2, 2, 100 + c);
        }
    }

    @Test
    void overlappingWindows() {
        compare(2, 7, 7, Lanes.WIDTH + 1, 3, 2, 7);
        compare(2, 5, 6, 2 * Lanes.WIDTH, 3, 1, 8);
    }

    /**
     * The MNIST CNN pools before its ReLU: for finite values both orders give the same bits
     * forward and backward (the model's pinned hashes depend on it).
     */
    @Test
    void poolingThenReluIsReluThenPoolingBitForBit() {
        Random rnd = new Random(5);
        int n = 2;
        int h = 8;
        int w = 8;
        int c = 2 * Lanes.WIDTH + 1;
        float[] x = levels(rnd, n * h * w * c, false);
        float[] dy = new float[n * (h / 2) * (w / 2) * c];
        for (int i = 0; i < dy.length; i++) {
            dy[i] = (float) rnd.nextGaussian();
        }
        float[][] poolFirst = run(x, dy, n, h, w, c, (tape, t) -> Activations.relu(tape, ConvOps.maxPool2d(tape, t, 2, 2)));
        float[][] reluFirst = run(x, dy, n, h, w, c, (tape, t) -> ConvOps.maxPool2d(tape, Activations.relu(tape, t), 2, 2));
        same(reluFirst[0], poolFirst[0], "output");
        same(reluFirst[1], poolFirst[1], "gradient");
    }

    private static void compare(int n, int h, int w, int c, int k, int stride, long seed) {
        Random rnd = new Random(seed);
        int oh = ConvOps.outputSize(h, k, stride, 0);
        int ow = ConvOps.outputSize(w, k, stride, 0);
        float[] x = levels(rnd, n * h * w * c, true);
        float[] dy = new float[n * oh * ow * c];
        for (int i = 0; i < dy.length; i++) {
            dy[i] = (float) rnd.nextGaussian();
        }
        float[] expectedY = new float[dy.length];
        float[] expectedDx = new float[x.length];
        for (int img = 0; img < n; img++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    for (int ch = 0; ch < c; ch++) {
                        int o = ((img * oh + oy) * ow + ox) * c + ch;
                        int best = -1;
                        for (int ky = 0; ky < k; ky++) {
                            for (int kx = 0; kx < k; kx++) {
                                int at = ((img * h + oy * stride + ky) * w + ox * stride + kx) * c + ch;
                                if (best < 0 || !Float.isNaN(x[best]) && (Float.isNaN(x[at]) || x[at] > x[best])) {
                                    best = at;
                                }
                            }
                        }
                        expectedY[o] = x[best];
                        expectedDx[best] += dy[o];
                    }
                }
            }
        }
        for (int threads : new int[] {1, 3}) {
            float[][] got = run(x, dy, n, h, w, c, (tape, t) -> ConvOps.maxPool2d(tape, t, k, stride));
            same(expectedY, got[0], "output, c=" + c + ", " + threads + " threads");
            same(expectedDx, got[1], "gradient, c=" + c + ", " + threads + " threads");
        }
    }

    /** Runs op on a copy of x and back from dy; returns the output and x's gradient. */
    private static float[][] run(float[] x, float[] dy, int n, int h, int w, int c,
                                 BiFunction<Tape, Tensor, Tensor> op) {
        try (ThreadPool pool = new ThreadPool(2)) {
            Tape tape = new Tape(pool, true, 0);
            Tensor xt = Tensor.trainable(x.clone(), n, h, w, c);
            Tensor y = op.apply(tape, xt);
            float[] out = y.data().clone();
            tape.record(() -> System.arraycopy(dy, 0, y.gradForUpdate(), 0, dy.length));
            tape.backward(Tensor.zeros(true, 1));
            return new float[][] {out, xt.grad().clone()};
        }
    }

    /** Values from five levels and both zeros, so that windows tie; NaNs when asked. */
    private static float[] levels(Random rnd, int size, boolean withNaN) {
        float[] choices = {-2f, -1f, -0f, 0f, 0.5f, 1f, 3f};
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = withNaN && rnd.nextInt(40) == 0 ? Float.NaN : choices[rnd.nextInt(choices.length)];
        }
        return x;
    }

    private static void same(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                    what + " differs at " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }
}
