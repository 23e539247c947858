package dev.mycel.tensor;

/**
 * Parallel matrix products: activations are prepared once per weight format, then the output
 * rows are split among the pool's threads. Several matrices that read the same input (the
 * query, key and value projections, say) go in one dispatch, so that a token costs fewer
 * synchronisations.
 */
public final class MatMul {
    /** Output rows handed out together; a multiple of the kernels' row block. */
    private static final int GRAIN = 16;
    /** Chunks of rows per thread in one dispatch (see {@link #chunk}). */
    private static final int CHUNKS_PER_THREAD = 8;
    /** Below this many multiply-adds a dispatch to other threads costs more than it saves. */
    private static final long PARALLEL_THRESHOLD = 1L << 17;

    private MatMul() {
    }

    /** {@code out[t * w.rows() + r] = dot(w[r], x[t])} for every token t of the batch. */
    public static void multiply(ThreadPool pool, WeightMatrix w, PreparedActivations x, float[] out) {
        if ((long) w.rows() * w.cols() * x.rows() < PARALLEL_THRESHOLD) {
            w.multiply(x, out, w.rows(), 0, w.rows());
            return;
        }
        pool.parallelForDynamic(w.rows(), chunk(pool, w.rows()), (from, to) -> w.multiply(x, out, w.rows(), from, to));
    }

    /**
     * Runs several matrices over the same prepared input in one dispatch: matrix i writes
     * {@code outs[i][t * ws[i].rows() + r]}. All matrices must take {@code x}'s format.
     */
    public static void multiply(ThreadPool pool, PreparedActivations x, WeightMatrix[] ws, float[][] outs) {
        int[] starts = new int[ws.length + 1];
        for (int i = 0; i < ws.length; i++) {
            // Each matrix starts on a grain boundary so that no range straddles two unevenly.
            starts[i + 1] = starts[i] + roundUp(ws[i].rows(), GRAIN);
        }
        int total = starts[ws.length];
        long work = 0;
        for (WeightMatrix w : ws) {
            work += (long) w.rows() * w.cols() * x.rows();
        }
        ThreadPool.RangeTask task = (from, to) -> {
            for (int i = 0; i < ws.length; i++) {
                int lo = Math.max(from, starts[i]) - starts[i];
                int hi = Math.min(to, starts[i] + ws[i].rows()) - starts[i];
                if (lo < hi) {
                    ws[i].multiply(x, outs[i], ws[i].rows(), lo, hi);
                }
            }
        };
        if (work < PARALLEL_THRESHOLD) {
            task.run(0, total);
        } else {
            pool.parallelForDynamic(total, chunk(pool, total), task);
        }
    }

    /**
     * Rows per chunk of a dynamically shared dispatch: about {@link #CHUNKS_PER_THREAD} per
     * thread, whole grains. Static halves left one thread waiting about 8% of the time (its twin
     * ran the same rows that much faster); chunks even that out for an atomic add per chunk.
     */
    private static int chunk(ThreadPool pool, int rows) {
        return roundUp(Math.max(1, rows / (pool.threads() * CHUNKS_PER_THREAD)), GRAIN);
    }

    private static int roundUp(int n, int m) {
        return (n + m - 1) / m * m;
    }
}
