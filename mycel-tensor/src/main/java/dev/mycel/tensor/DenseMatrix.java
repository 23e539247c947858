package dev.mycel.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A matrix of plain floats (F32, F16 or BF16), read in place, whose dot products sum in the
 * {@link Lanes#COUNT} virtual lanes: value i of a row goes to lane {@code i % 16}, each lane
 * accumulates {@code fma(w_i, x_i, lane)} in index order, and {@link Lanes#reduce} combines the
 * lanes. Hardware vectors of 16, 8 or 4 floats process all, half or a quarter of the lanes at a
 * time, so the result does not depend on the vector width.
 */
abstract class DenseMatrix extends WeightMatrix {
    /** Tokens that share one pass over a weight row. */
    static final int TOKEN_TILE = 4;
    /** Rows processed against one token tile before moving on, to keep the tile in L1. */
    private static final int ROW_BLOCK = 16;

    DenseMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    final void multiplyRows(PreparedActivations x, float[] out, int outStride, int from, int to) {
        int tokens = x.rows();
        float[] lanes = new float[Lanes.COUNT * TOKEN_TILE];
        float[] sums = new float[TOKEN_TILE];
        int tiled = tokens - tokens % TOKEN_TILE;
        for (int r0 = from; r0 < to && tiled > 0; r0 += ROW_BLOCK) {
            int r1 = Math.min(to, r0 + ROW_BLOCK);
            for (int t = 0; t < tiled; t += TOKEN_TILE) {
                for (int r = r0; r < r1; r++) {
                    dot4(r, x, t, lanes, sums);
                    for (int k = 0; k < TOKEN_TILE; k++) {
                        out[(t + k) * outStride + r] = sums[k];
                    }
                }
            }
        }
        for (int t = tiled; t < tokens; t++) {
            for (int r = from; r < to; r++) {
                out[t * outStride + r] = dot1(r, x, t, lanes);
            }
        }
    }

    /** Dot product of row {@code r} with activation row {@code t}. */
    protected abstract float dot1(int r, PreparedActivations x, int t, float[] lanes);

    /**
     * Dot products of row {@code r} with activation rows {@code t .. t+3}, into {@code sums};
     * each must equal what {@link #dot1} gives for that row, bit for bit.
     */
    protected abstract void dot4(int r, PreparedActivations x, int t, float[] lanes, float[] sums);
}
