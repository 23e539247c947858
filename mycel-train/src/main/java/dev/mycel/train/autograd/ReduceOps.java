package dev.mycel.train.autograd;

/** Sums in one fixed order, shared by several gradients. */
final class ReduceOps {
    private ReduceOps() {
    }

    /**
     * {@code into[j] += Σ_i x[i][j]} for x [rows, cols], rows added in order: each column's
     * sum is one chain from its old value, vectorised across columns only.
     */
    static void addColumnSums(float[] x, int rows, int cols, float[] into) {
        addColumnSums(x, 0, rows, cols, into, 0);
    }

    /** As {@link #addColumnSums(float[], int, int, float[])}, x starting at {@code xOff}, into at {@code intoOff}. */
    static void addColumnSums(float[] x, int xOff, int rows, int cols, float[] into, int intoOff) {
        for (int i = 0; i < rows; i++) {
            int base = xOff + i * cols;
            for (int j = 0; j < cols; j++) {
                into[intoOff + j] += x[base + j];
            }
        }
    }
}
