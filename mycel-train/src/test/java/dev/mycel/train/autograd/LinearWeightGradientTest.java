package dev.mycel.train.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.tensor.ThreadPool;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The linear layer's weight gradient is the scalar definition, bit for bit, whether it runs as
 * the product itself or as its transpose ({@link MatrixOps#transposeWeightGradient}): each
 * element one fused multiply-add chain started from the gradient already there, adding
 * {@code dy[k][o]·x[k][i]} for k in order.
 */
class LinearWeightGradientTest {
    @Test
    void theShapesChooseTheirPath() {
        assertTrue(MatrixOps.transposeWeightGradient(32, 400), "the CNN's second convolution");
        assertTrue(MatrixOps.transposeWeightGradient(16, 25), "the CNN's first convolution");
        assertTrue(MatrixOps.transposeWeightGradient(128, 1568), "the CNN's first dense layer");
        assertFalse(MatrixOps.transposeWeightGradient(128, 344), "llama-tiny's down projection");
        assertFalse(MatrixOps.transposeWeightGradient(128, 128), "a square weight");
        assertFalse(MatrixOps.transposeWeightGradient(400, 32), "more rows than columns");
    }

    @Test
    void bothPathsGiveTheScalarChainOnAnyThreadCount() {
        int[][] shapes = {{8, 64, 37}, {40, 50, 23}, {130, 1000, 5}, {16, 25, 300}, {7, 3, 11}};
        for (int[] shape : shapes) {
            for (int threads : new int[] {1, 3}) {
                check(shape[0], shape[1], shape[2], threads);
            }
        }
    }

    @Test
    void theInputGradientIsWrittenFirstAndAddedToAfterwards() {
        Random rnd = new Random(5);
        int n = 13;
        int in = 21;
        int out = 9;
        float[] x = gaussian(rnd, n * in);
        float[] w = gaussian(rnd, out * in);
        float[] dy = gaussian(rnd, n * out);
        float[] before = gaussian(rnd, n * in);
        for (boolean started : new boolean[] {false, true}) {
            float[] expected = started ? before.clone() : new float[n * in];
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < in; i++) {
                    float acc = expected[r * in + i];
                    for (int o = 0; o < out; o++) {
                        acc = Math.fma(dy[r * out + o], w[o * in + i], acc);
                    }
                    expected[r * in + i] = acc;
                }
            }
            try (ThreadPool pool = new ThreadPool(2)) {
                // A workspace whose recycled array holds garbage: a first write must not read it.
                Workspace workspace = new Workspace();
                float[] garbage = workspace.take(n * in);
                java.util.Arrays.fill(garbage, Float.NaN);
                workspace.recycle();
                Tape tape = new Tape(pool, true, 0, workspace);
                Tensor xt = tape.wrap(x.clone(), true, n, in);
                if (started) {
                    System.arraycopy(before, 0, xt.gradForUpdate(), 0, before.length);
                }
                Tensor y = MatrixOps.linear(tape, xt, Tensor.constant(w.clone(), out, in), null);
                tape.record(() -> System.arraycopy(dy, 0, y.gradForUpdate(), 0, dy.length));
                tape.backward(Tensor.zeros(true, 1));
                float[] actual = xt.grad();
                for (int e = 0; e < expected.length; e++) {
                    assertEquals(Float.floatToRawIntBits(expected[e]), Float.floatToRawIntBits(actual[e]),
                            (started ? "added to a started gradient" : "written first") + ", element " + e);
                }
            }
        }
    }

    private static void check(int out, int in, int n, int threads) {
        Random rnd = new Random(out * 31L + in);
        float[] x = gaussian(rnd, n * in);
        float[] w = gaussian(rnd, out * in);
        float[] dy = gaussian(rnd, n * out);
        float[] before = gaussian(rnd, out * in);
        float[] expected = before.clone();
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                float acc = expected[o * in + i];
                for (int k = 0; k < n; k++) {
                    acc = Math.fma(dy[k * out + o], x[k * in + i], acc);
                }
                expected[o * in + i] = acc;
            }
        }
        try (ThreadPool pool = new ThreadPool(threads)) {
            Tensor xt = Tensor.constant(x.clone(), n, in);
            Tensor wt = Tensor.trainable(w.clone(), out, in);
            System.arraycopy(before, 0, wt.gradForUpdate(), 0, before.length);
            Tape tape = new Tape(pool, true, 0);
            Tensor y = MatrixOps.linear(tape, xt, wt, null);
            tape.record(() -> System.arraycopy(dy, 0, y.gradForUpdate(), 0, dy.length));
            tape.backward(Tensor.zeros(true, 1));
            float[] actual = wt.grad();
            for (int e = 0; e < expected.length; e++) {
                assertEquals(Float.floatToRawIntBits(expected[e]), Float.floatToRawIntBits(actual[e]),
                        out + "x" + in + " over " + n + " rows, " + threads + " threads, element " + e);
            }
        }
    }

    private static float[] gaussian(Random rnd, int size) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }
}
