package dev.mycel.train.autograd;

import dev.mycel.tensor.train.Gemm;
import dev.mycel.tensor.train.Gemm.Layout;

/** Matrix products with their gradients. */
public final class MatrixOps {
    private MatrixOps() {
    }

    /**
     * {@code y = x·wᵀ + b}: x [n, in], w [out, in] (PyTorch's and GGUF's layout), b [out] or
     * null; y [n, out]. Each output starts its multiply-add chain from the bias, so adding the
     * bias costs no rounding of its own.
     *
     * <p>On a {@link Tape#perExample per-example tape} the weight's and the bias's gradients go to
     * the store per example: the n rows are the examples' rows one example after another, r = n /
     * examples each, and {@code dw_e = dy_eᵀ·x_e} is one product over the example's r rows, in
     * order, from zero: what a batch of that example alone computes. No batch-of-one pass.
     */
    public static Tensor linear(Tape tape, Tensor x, Tensor w, Tensor b) {
        if (x.rank() != 2 || w.rank() != 2 || x.dim(1) != w.dim(1)) {
            throw new IllegalArgumentException("linear needs x [n, in] and w [out, in] with the same in, not "
                    + x + " and " + w);
        }
        int n = x.dim(0);
        int in = x.dim(1);
        int out = w.dim(0);
        if (b != null && (b.rank() != 1 || b.dim(0) != out)) {
            throw new IllegalArgumentException("bias must be [" + out + "], not " + b);
        }
        boolean tracked = tape.tracks(x, w, b);
        PerExampleGradients store = tracked ? tape.perExample() : null;
        float[] wEach = store == null ? null : store.slot(w);
        float[] bEach = store == null ? null : store.slot(b);
        int rows = wEach != null || bEach != null ? store.rowsPerExample(n, "linear") : 0;
        Tensor y = tape.zeros(tracked, n, out);
        float[] yd = y.data();
        if (b != null) {
            float[] bd = b.data();
            for (int i = 0; i < n; i++) {
                System.arraycopy(bd, 0, yd, i * out, out);
            }
        }
        Gemm.multiply(tape.pool(), n, out, in, x.data(), 0, Layout.NORMAL, w.data(), 0, Layout.TRANSPOSED,
                yd, 0, b != null);
        if (tracked) {
            tape.record(() -> {
                float[] dy = y.grad();
                if (dy == null) {
                    return;
                }
                if (x.requiresGrad()) {
                    // dx [n, in] += dy [n, out] · w [out, in]
                    Gemm.multiply(tape.pool(), n, in, out, dy, 0, Layout.NORMAL, w.data(), 0, Layout.NORMAL,
                            x.gradForUpdate(), 0, true);
                }
                if (wEach != null || bEach != null) {
                    int size = out * in;
                    store.forEachExample(tape.pool(), (e, pool) -> {
                        if (wEach != null) {
                            // dw_e [out, in] += dy_eᵀ [out, r] · x_e [r, in]
                            Gemm.multiply(pool, out, in, rows, dy, e * rows * out, Layout.TRANSPOSED,
                                    x.data(), e * rows * in, Layout.NORMAL, wEach, e * size, true);
                        }
                        if (bEach != null) {
                            ReduceOps.addColumnSums(dy, e * rows * out, rows, out, bEach, e * out);
                        }
                    });
                }
                if (w.requiresGrad() && wEach == null) {
                    // dw [out, in] += dyᵀ [out, n] · x [n, in]
                    Gemm.multiply(tape.pool(), out, in, n, dy, 0, Layout.TRANSPOSED, x.data(), 0, Layout.NORMAL,
                            w.gradForUpdate(), 0, true);
                }
                if (b != null && b.requiresGrad() && bEach == null) {
                    ReduceOps.addColumnSums(dy, n, out, b.gradForUpdate());
                }
            });
        }
        return y;
    }
}
