package dev.mycel.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Prompt processing for Q8_0 weights with float multiply-adds, bit for bit what the integer
 * kernels give.
 *
 * <p><b>Why floats give the same bits.</b> A Q8_0 block's sum {@code isum = sum_i q_i x_i} has 32
 * products of integers with |q| &le; 128 and |x| &le; 127, so every partial sum is an integer of
 * magnitude at most 32 * 128 * 127 = 520,192 &lt; 2^24: a float holds each exactly, and a fused
 * multiply-add of integer-valued floats rounds nothing. Summed in any order, in any number of
 * chains, the block sum is the exact integer the 16-bit kernels form, and the step after it,
 * {@code acc = fma(float(isum), d_w * d_x, acc)} over the blocks in order, is the same
 * operation on the same values.
 *
 * <p><b>Why it is faster.</b> The integer kernels have no instruction that multiplies bytes and
 * adds neighbours (the Vector API does not expose {@code vpmaddubsw}/{@code vpmaddwd}), so they
 * spend 16-bit multiplies, masks and shifts on every weight for every token. Here the weights
 * of a tile are converted to floats once per stretch of {@link #CHUNK} blocks and reused by every
 * token of the batch; each weight vector then costs one fused multiply-add per token. Four
 * tokens times 16 rows make eight independent chains of multiply-adds, enough to hide the
 * instruction's latency: on AVX2 the two 8-row halves of a tile, on wider or narrower vectors
 * the even and odd values of a block.
 *
 * <p>Tokens beyond the last full group of four, and batches smaller than
 * {@link PreparedActivations#FLOAT_BATCH}, take the integer kernels. Q4_0 has no converter: its
 * integer kernel multiplies two 4-bit values per byte and was as fast as this one on an AVX2 host
 * (docs/benchmarks/engine-vs-llamacpp-avx2-2026-12.md). Any type whose block sums stay below
 * 2^24 could implement {@link Dequantizer}.
 */
final class FloatBatchKernel {
    /** Blocks of a tile converted to floats at a time: 16 rows * 256 values * 4 bytes = 16 KiB. */
    static final int CHUNK = 8;
    /**
     * Tiles converted together: each group of tokens' values is read from memory once for all of
     * them (then from the first-level cache), not once per tile. 4 * 16 KiB stays in L2.
     */
    static final int TILES = 4;
    private static final int ROWS = QuantizedMatrix.ROWS;
    private static final int GROUP = PreparedActivations.GROUP;
    /** Floats of one converted block: 32 values of 16 rows, value-major. */
    private static final int BLOCK_FLOATS = 32 * ROWS;
    private static final VectorSpecies<Float> F = QuantizedMatrix.F;
    private static final int W = QuantizedMatrix.W;

    /** Each thread's buffers. */
    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private FloatBatchKernel() {
    }

    /** The weights of a type, as integer-valued floats. */
    interface Dequantizer {
        /**
         * Converts block {@code b} of the tile at byte {@code tile} of {@code w}: value i of row r
         * to {@code q[qOff + 16 i + r]} as an integer-valued float (the quant with any offset
         * applied), and row r's scale {@code d} to {@code d[dOff + r]}.
         */
        void convertBlock(MemorySegment w, long tile, int b, float[] q, int qOff, float[] d, int dOff);
    }

    private static final class Buffers {
        final float[] q = new float[TILES * CHUNK * BLOCK_FLOATS];
        final float[] d = new float[TILES * CHUNK * ROWS];
        float[] acc = new float[0];
    }

    /**
     * Rows {@code from .. to} of the product for the grouped tokens of {@code x} (the first
     * {@code rows - rows % GROUP}); the caller computes the others.
     */
    static void multiply(QuantizedMatrix m, Dequantizer deq, MemorySegment w, PreparedActivations x,
                         float[] out, int outStride, int from, int to) {
        float[] xf = x.quantFloats();
        float[] xs = x.scales();
        int tokens = x.rows();
        int grouped = tokens - tokens % GROUP;
        int nb = m.blocks;
        int cols = m.cols();
        Buffers buf = BUFFERS.get();
        int perTile = grouped * ROWS;
        if (buf.acc.length < TILES * perTile) {
            buf.acc = new float[TILES * perTile];
        }
        float[] acc = buf.acc;
        float[] q = buf.q;
        float[] d = buf.d;
        for (int first = from - from % ROWS; first < to; first += TILES * ROWS) {
            int tiles = Math.min(TILES, (to - first + ROWS - 1) / ROWS);
            long tile0 = (long) (first / ROWS) * m.tileBytes;
            Arrays.fill(acc, 0, tiles * perTile, 0f);
            for (int c0 = 0; c0 < nb; c0 += CHUNK) {
                int n = Math.min(CHUNK, nb - c0);
                for (int j = 0; j < tiles; j++) {
                    for (int b = 0; b < n; b++) {
                        deq.convertBlock(w, tile0 + j * m.tileBytes, c0 + b, q, (j * CHUNK + b) * BLOCK_FLOATS,
                                d, (j * CHUNK + b) * ROWS);
                    }
                }
                for (int t = 0; t < grouped; t += GROUP) {
                    for (int j = 0; j < tiles; j++) {
                        if (W == 8) {
                            groupHalves(q, j * CHUNK, d, xf, xs, acc, j * perTile, t, cols, nb, c0, n);
                        } else {
                            groupParities(q, j * CHUNK, d, xf, xs, acc, j * perTile, t, cols, nb, c0, n);
                        }
                    }
                }
            }
            for (int j = 0; j < tiles; j++) {
                int tileFirst = first + j * ROWS;
                int lo = Math.max(from, tileFirst);
                int rows = Math.min(to, tileFirst + ROWS) - lo;
                for (int t = 0; t < grouped; t++) {
                    System.arraycopy(acc, j * perTile + t * ROWS + lo - tileFirst, out, t * outStride + lo, rows);
                }
            }
        }
    }

    /**
     * Four tokens from {@code t} over {@code n} converted blocks (from block {@code block0} of
     * {@code q} and {@code d}; results at {@code acc[ab ..)}), for 8-float vectors.
     */
    private static void groupHalves(float[] q, int block0, float[] d, float[] xf, float[] xs, float[] acc, int ab,
                                    int t, int cols, int nb, int c0, int n) {
        // Grouped layouts: value i of token t + u at t * cols + 4 i + u, scale of block b at
        // t * nb + 4 b + u.
        for (int b = 0; b < n; b++) {
            blockHalves(q, (block0 + b) * BLOCK_FLOATS, d, (block0 + b) * ROWS, xf, t * cols + GROUP * 32 * (c0 + b),
                    xs, t * nb + GROUP * (c0 + b), acc, ab + t * ROWS);
        }
    }

    /**
     * One converted block (at {@code q[wo ..)}, scales at {@code d[dOff ..)}) times four tokens'
     * values (at {@code xf[xo ..)}, grouped; scales at {@code xs[sb ..)}), added to the four
     * tokens' results at {@code acc[a ..)}: the two halves of the 16 rows times four tokens are
     * eight chains of multiply-adds, enough to hide their latency.
     *
     * <p>The loop keeps eight sums, two weight vectors and four broadcasts in the 16 AVX2
     * registers only when little else is live around it. Inlined into its callers, C2 spilled
     * sums to the stack and ran at half the speed; this method is therefore larger than C2 inlines
     * (FreqInlineSize, 325 bytes of bytecode), which is also why the block's float step is
     * written out here rather than in a helper.
     */
    private static void blockHalves(float[] q, int wo, float[] d, int dOff, float[] xf, int xo,
                                    float[] xs, int sb, float[] acc, int a) {
        FloatVector s0 = FloatVector.zero(F);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        FloatVector h0 = s0;
        FloatVector h1 = s0;
        FloatVector h2 = s0;
        FloatVector h3 = s0;
        for (int i = 0; i < 32; i++) {
            FloatVector lo = FloatVector.fromArray(F, q, wo + ROWS * i);
            FloatVector hi = FloatVector.fromArray(F, q, wo + ROWS * i + 8);
            int xi = xo + GROUP * i;
            FloatVector x0 = FloatVector.broadcast(F, xf[xi]);
            FloatVector x1 = FloatVector.broadcast(F, xf[xi + 1]);
            FloatVector x2 = FloatVector.broadcast(F, xf[xi + 2]);
            FloatVector x3 = FloatVector.broadcast(F, xf[xi + 3]);
            s0 = lo.fma(x0, s0);
            h0 = hi.fma(x0, h0);
            s1 = lo.fma(x1, s1);
            h1 = hi.fma(x1, h1);
            s2 = lo.fma(x2, s2);
            h2 = hi.fma(x2, h2);
            s3 = lo.fma(x3, s3);
            h3 = hi.fma(x3, h3);
        }
        // The block's float step, acc = fma(isum, d * dx, acc), for each token and half.
        FloatVector dlo = FloatVector.fromArray(F, d, dOff);
        FloatVector dhi = FloatVector.fromArray(F, d, dOff + 8);
        FloatVector dx = FloatVector.broadcast(F, xs[sb]);
        s0.fma(dlo.mul(dx), FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
        h0.fma(dhi.mul(dx), FloatVector.fromArray(F, acc, a + 8)).intoArray(acc, a + 8);
        dx = FloatVector.broadcast(F, xs[sb + 1]);
        s1.fma(dlo.mul(dx), FloatVector.fromArray(F, acc, a + ROWS)).intoArray(acc, a + ROWS);
        h1.fma(dhi.mul(dx), FloatVector.fromArray(F, acc, a + ROWS + 8)).intoArray(acc, a + ROWS + 8);
        dx = FloatVector.broadcast(F, xs[sb + 2]);
        s2.fma(dlo.mul(dx), FloatVector.fromArray(F, acc, a + 2 * ROWS)).intoArray(acc, a + 2 * ROWS);
        h2.fma(dhi.mul(dx), FloatVector.fromArray(F, acc, a + 2 * ROWS + 8)).intoArray(acc, a + 2 * ROWS + 8);
        dx = FloatVector.broadcast(F, xs[sb + 3]);
        s3.fma(dlo.mul(dx), FloatVector.fromArray(F, acc, a + 3 * ROWS)).intoArray(acc, a + 3 * ROWS);
        h3.fma(dhi.mul(dx), FloatVector.fromArray(F, acc, a + 3 * ROWS + 8)).intoArray(acc, a + 3 * ROWS + 8);
    }

    /**
     * Four tokens from {@code t} over {@code n} converted blocks (as {@link #groupHalves}), for
     * any vector width: per W-row
     * pass, the even and odd values of a block times four tokens are the eight chains.
     */
    private static void groupParities(float[] q, int block0, float[] d, float[] xf, float[] xs, float[] acc, int ab,
                                      int t, int cols, int nb, int c0, int n) {
        for (int r0 = 0; r0 < ROWS; r0 += W) {
            for (int b = 0; b < n; b++) {
                int wo = (block0 + b) * BLOCK_FLOATS + r0;
                int xo = t * cols + GROUP * 32 * (c0 + b);
                FloatVector s0 = FloatVector.zero(F);
                FloatVector s1 = s0;
                FloatVector s2 = s0;
                FloatVector s3 = s0;
                FloatVector e0 = s0;
                FloatVector e1 = s0;
                FloatVector e2 = s0;
                FloatVector e3 = s0;
                for (int i = 0; i < 32; i += 2) {
                    FloatVector u = FloatVector.fromArray(F, q, wo + ROWS * i);
                    FloatVector v = FloatVector.fromArray(F, q, wo + ROWS * i + ROWS);
                    int xi = xo + GROUP * i;
                    s0 = u.fma(FloatVector.broadcast(F, xf[xi]), s0);
                    e0 = v.fma(FloatVector.broadcast(F, xf[xi + GROUP]), e0);
                    s1 = u.fma(FloatVector.broadcast(F, xf[xi + 1]), s1);
                    e1 = v.fma(FloatVector.broadcast(F, xf[xi + GROUP + 1]), e1);
                    s2 = u.fma(FloatVector.broadcast(F, xf[xi + 2]), s2);
                    e2 = v.fma(FloatVector.broadcast(F, xf[xi + GROUP + 2]), e2);
                    s3 = u.fma(FloatVector.broadcast(F, xf[xi + 3]), s3);
                    e3 = v.fma(FloatVector.broadcast(F, xf[xi + GROUP + 3]), e3);
                }
                int sb = t * nb + GROUP * (c0 + b);
                FloatVector dv = FloatVector.fromArray(F, d, (block0 + b) * ROWS + r0);
                int a = ab + t * ROWS + r0;
                // Integers below 2^24 add exactly, so the two chains join without rounding.
                s0.add(e0).fma(dv.mul(xs[sb]), FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
                s1.add(e1).fma(dv.mul(xs[sb + 1]), FloatVector.fromArray(F, acc, a + ROWS)).intoArray(acc, a + ROWS);
                s2.add(e2).fma(dv.mul(xs[sb + 2]), FloatVector.fromArray(F, acc, a + 2 * ROWS)).intoArray(acc, a + 2 * ROWS);
                s3.add(e3).fma(dv.mul(xs[sb + 3]), FloatVector.fromArray(F, acc, a + 3 * ROWS)).intoArray(acc, a + 3 * ROWS);
            }
        }
    }

}
