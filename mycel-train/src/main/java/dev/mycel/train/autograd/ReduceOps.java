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
        for (int i = 0; i < rows; i++) {
            int base = i * cols;
            for (int j = 0; j < cols; j++) {
                into[j] += x[base + j];
            }
        }
    }
}
