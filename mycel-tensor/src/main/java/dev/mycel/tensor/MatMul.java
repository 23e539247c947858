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
    /** Multiply-adds in the smallest range of rows handed to a thread (see {@link #minChunk}). */
    private static final long MIN_CHUNK_MACS = 1 << 17;
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
        pool.parallelForGuided(w.rows(), GRAIN, minChunk(w.cols() * x.rows()), (from, to) -> w.multiply(x, out, w.rows(), from, to));
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
            pool.parallelForGuided(total, GRAIN, minChunk(ws[0].cols() * x.rows()), task);
        }
    }

    /**
     * The fewest rows a thread takes at once, for rows of {@code macsPerRow} multiply-adds: about
     * {@link #MIN_CHUNK_MACS} of them, whole grains. Rows are handed out guided (large ranges
     * first, then smaller ones down to this), because static halves left one thread waiting
     * about 8% of the time for its twin, and fixed chunks left a tail of up to a chunk.
     */
    private static int minChunk(long macsPerRow) {
        long rows = Math.max(1, MIN_CHUNK_MACS / Math.max(1, macsPerRow));
        return roundUp((int) Math.min(rows, 1 << 20), GRAIN);
    }

    private static int roundUp(int n, int m) {
        return (n + m - 1) / m * m;
    }
}
