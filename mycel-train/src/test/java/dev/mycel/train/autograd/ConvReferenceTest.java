package dev.mycel.train.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.nn.Parameter;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ConvOps#conv2d} against a scalar reference of its definition, bit for bit: each output
 * the fused multiply-add chain over its patch in (ky, kx, channel) order from the bias (or +0),
 * each patch gradient the chain over the output channels from +0 scattered onto the image in
 * (image, oy, ox, ky, kx, channel) order, the weight gradient the chain over every output
 * position in order, the bias gradient the column sums in order. Whichever way the op runs the
 * input gradient (image by image when the weight or bias is trained, through the patch matrix's
 * gradient with a frozen weight), on a plain and a per-example tape, on 1 and 3 threads; rerun
 * under narrower vectors by the module's pom.
 */
class ConvReferenceTest {
    @Test
    void plainTapeWithPaddingAndBias() {
        compare(3, 7, 6, 4, 5, 3, 1, 1, true, true, false);
    }

    @Test
    void strideWithoutPaddingOrBias() {
        compare(2, 9, 8, 3, 6, 3, 2, 0, false, true, false);
    }

    @Test
    void theMnistShapes() {
        compare(2, 14, 14, 16, 32, 5, 1, 2, true, true, false);
    }

    @Test
    void aFrozenWeightSendsTheInputGradientThroughThePatchMatrix() {
        compare(2, 7, 6, 4, 5, 3, 1, 1, false, false, false);
    }

    @Test
    void onAPerExampleTape() {
        compare(4, 7, 6, 4, 5, 3, 1, 1, true, true, true);
    }

    private static void compare(int n, int h, int w, int c, int out, int k, int stride, int pad, boolean withBias,
            boolean trainWeight, boolean perExample) {
        Random rnd = new Random(n * 1000L + h * 10 + c);
        int oh = ConvOps.outputSize(h, k, stride, pad);
        int ow = ConvOps.outputSize(w, k, stride, pad);
        float[] x = gaussian(rnd, n * h * w * c);
        float[] wt = gaussian(rnd, out * k * k * c);
        float[] b = withBias ? gaussian(rnd, out) : null;
        float[] dy = gaussian(rnd, n * oh * ow * out);
        float[][] expected = reference(x, wt, b, dy, n, h, w, c, out, k, stride, pad);
        for (int threads : new int[] {1, 3}) {
            try (ThreadPool pool = new ThreadPool(threads)) {
                Tensor xt = Tensor.trainable(x.clone(), n, h, w, c);
                Tensor wT = trainWeight ? Tensor.trainable(wt.clone(), out, k, k, c) : Tensor.constant(wt.clone(), out, k, k, c);
                Tensor bT = withBias ? Tensor.trainable(b.clone(), out) : null;
                Tape tape = new Tape(pool, true, 0, new Workspace());
                if (perExample) {
                    // Per-example gradients of the weight and bias go to the store; the ordinary
                    // input gradient is what is compared here.
                    List<Parameter> listed = withBias
                            ? List.of(new Parameter("w", wT), new Parameter("b", bT)) : List.of(new Parameter("w", wT));
                    tape.perExample(new PerExampleGradients(listed, n));
                }
                Tensor y = ConvOps.conv2d(tape, xt, wT, bT, stride, pad);
                tape.record(() -> System.arraycopy(dy, 0, y.gradForUpdate(), 0, dy.length));
                tape.backward(Tensor.zeros(true, 1));
                String how = threads + " threads, " + (perExample ? "per-example tape" : "plain tape")
                        + (trainWeight ? "" : ", frozen weight");
                same(expected[0], y.data(), "output, " + how);
                same(expected[1], xt.grad(), "input gradient, " + how);
                if (trainWeight && !perExample) {
                    same(expected[2], wT.grad(), "weight gradient, " + how);
                    if (withBias) {
                        same(expected[3], bT.grad(), "bias gradient, " + how);
                    }
                }
            }
        }
    }

    /** Output, input gradient, weight gradient and bias gradient by the definition. */
    private static float[][] reference(float[] x, float[] wt, float[] b, float[] dy, int n, int h, int w, int c,
            int out, int k, int stride, int pad) {
        int oh = ConvOps.outputSize(h, k, stride, pad);
        int ow = ConvOps.outputSize(w, k, stride, pad);
        int patch = k * k * c;
        int rows = n * oh * ow;
        float[] col = new float[rows * patch];
        for (int img = 0, r = 0; img < n; img++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++, r++) {
                    for (int ky = 0, p = 0; ky < k; ky++) {
                        for (int kx = 0; kx < k; kx++) {
                            for (int ch = 0; ch < c; ch++, p++) {
                                int iy = oy * stride - pad + ky;
                                int ix = ox * stride - pad + kx;
                                boolean inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                                col[r * patch + p] = inside ? x[((img * h + iy) * w + ix) * c + ch] : 0f;
                            }
                        }
                    }
                }
            }
        }
        float[] y = new float[rows * out];
        float[] dcol = new float[rows * patch];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                float acc = b != null ? b[o] : 0f;
                for (int p = 0; p < patch; p++) {
                    acc = Math.fma(col[r * patch + p], wt[o * patch + p], acc);
                }
                y[r * out + o] = acc;
            }
            for (int p = 0; p < patch; p++) {
                float acc = 0f;
                for (int o = 0; o < out; o++) {
                    acc = Math.fma(dy[r * out + o], wt[o * patch + p], acc);
                }
                dcol[r * patch + p] = acc;
            }
        }
        float[] dx = new float[x.length];
        for (int img = 0, r = 0; img < n; img++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++, r++) {
                    for (int ky = 0, p = 0; ky < k; ky++) {
                        for (int kx = 0; kx < k; kx++) {
                            for (int ch = 0; ch < c; ch++, p++) {
                                int iy = oy * stride - pad + ky;
                                int ix = ox * stride - pad + kx;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                    dx[((img * h + iy) * w + ix) * c + ch] += dcol[r * patch + p];
                                }
                            }
                        }
                    }
                }
            }
        }
        float[] dw = new float[wt.length];
        for (int o = 0; o < out; o++) {
            for (int p = 0; p < patch; p++) {
                float acc = 0f;
                for (int r = 0; r < rows; r++) {
                    acc = Math.fma(dy[r * out + o], col[r * patch + p], acc);
                }
                dw[o * patch + p] = acc;
            }
        }
        float[] db = new float[out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                db[o] += dy[r * out + o];
            }
        }
        return new float[][] {y, dx, dw, db};
    }

    private static void same(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), what + ", element " + i);
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
