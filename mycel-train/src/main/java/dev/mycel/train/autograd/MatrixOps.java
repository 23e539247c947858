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
                    // dx [n, in] += dy [n, out] · w [out, in]; the first contribution writes, so
                    // the gradient array is neither cleared nor read back.
                    boolean first = !x.hasGrad();
                    Gemm.multiply(tape.pool(), n, in, out, dy, 0, Layout.NORMAL, w.data(), 0, Layout.NORMAL,
                            first ? x.gradToOverwrite() : x.gradForUpdate(), 0, !first);
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
                    addWeightGradient(tape, dy, x.data(), n, out, in, w.gradForUpdate());
                }
                if (b != null && b.requiresGrad() && bEach == null) {
                    ReduceOps.addColumnSums(dy, n, out, b.gradForUpdate());
                }
            });
        }
        return y;
    }

    /**
     * {@code dw [out, in] += dyᵀ [out, n] · x [n, in]}. With few output rows the product runs
     * faster as its transpose, {@code dwᵀ [in, out] += xᵀ · dy}, in scratch and copied back: the
     * kernel splits and tiles by rows, and 16 or 32 rows leave it little to work with. Either way
     * each element is the same chain, started from the gradient's value and adding
     * {@code dy[k][o]·x[k][i]} for k in order (a fused multiply-add does not care which factor
     * comes first), so the choice changes no bit.
     */
    static void addWeightGradient(Tape tape, float[] dy, float[] x, int n, int out, int in, float[] dw) {
        if (!transposeWeightGradient(out, in)) {
            Gemm.multiply(tape.pool(), out, in, n, dy, 0, Layout.TRANSPOSED, x, 0, Layout.NORMAL, dw, 0, true);
            return;
        }
        float[] dwT = tape.scratch(Math.multiplyExact(in, out));
        transpose(dw, out, in, dwT);
        Gemm.multiply(tape.pool(), in, out, n, x, 0, Layout.TRANSPOSED, dy, 0, Layout.NORMAL, dwT, 0, true);
        transpose(dwT, in, out, dw);
    }

    /**
     * Whether the weight gradient of a [out, in] weight runs as its transpose: when it has few
     * rows (under 96) and more columns, or at least four times as many columns as rows. Measured
     * on the MNIST CNN's and llama-tiny's shapes (2 threads, AVX2): 32×400 over 12,544 rows runs at
     * 30 GFLOP/s and its transpose at 60; 128×1568 over 64 rows at 28 and 48; 68×128 over 768 rows
     * at 12 and 32; but 128×344 over 768 rows at 45 and 36, so it stays as it is.
     */
    static boolean transposeWeightGradient(int out, int in) {
        return (out < 96 && out < in) || (long) out * 4 <= in;
    }

    /** {@code to [cols, rows] = fromᵀ} for {@code from [rows, cols]}. */
    static void transpose(float[] from, int rows, int cols, float[] to) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                to[c * rows + r] = from[r * cols + c];
            }
        }
    }
}
