package dev.mycel.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q5_K weights: super-blocks of 256 values in 176 bytes: fp16 {@code d}, fp16 {@code dmin},
 * 12 bytes of 6-bit scales and mins for 8 sub-blocks of 32 (see {@link KScales}), 32 bytes of
 * high bits {@code qh} and 128 bytes of low nibbles laid out as in Q4_K. The 5-bit quant of
 * value {@code 64c + i} (chunk c, i &lt; 32) is the low nibble of byte {@code 32c + i} plus 16 times
 * bit 2c of {@code qh[i]}; value {@code 64c + 32 + i} takes the high nibble and bit 2c+1. Value
 * i is {@code d * sc_j * q_i - dmin * m_j}.
 *
 * <p>Activations arrive as Q8_K, and the computation is that of {@link Q4_KMatrix}: per
 * super-block, virtual lane l collects the exact integer {@code P_l = sum_j sc_j * (sum of q_i x_i
 * over the values i of sub-block j with i % 16 == l)}, then {@code acc_l = fma(P_l, d * d_x,
 * acc_l)}; the mins term {@code M_b = sum_j m_j (bsum_2j + bsum_2j+1)} goes into one scalar
 * accumulator {@code m = fma(M_b, dmin * d_x, m)} in block order, and the result is
 * {@code Lanes.reduce(acc) - m}. Exactness: q &le; 31, |x| &le; 128, sc &le; 63 and 2 values of each
 * of the 8 sub-blocks per lane bound every partial sum by 8 * 63 * 2 * 31 * 128 = 3,999,744 &lt;
 * 2^24; {@code sc * q} is at most 1953; |M_b| &le; 8 * 63 * 4096 &lt; 2^21.
 */
final class Q5_KMatrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Lanes.FLOATS;
    private static final int W = Lanes.WIDTH;
    private static final int L = Lanes.COUNT;
    private static final int QK = 256;
    private static final int BLOCK_BYTES = 176;
    /** Offsets inside a super-block. */
    private static final int DMIN = 2;
    private static final int SCALES = 4;
    private static final int QH = 16;
    private static final int QS = 48;

    Q5_KMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public ActivationFormat inputFormat() {
        return ActivationFormat.Q8_K;
    }

    /**
     * High bits of 16 quants moved to bit 4 of their lane's int: bit k of {@code qh} lands
     * there after a further right shift by k.
     */
    private IntVector highBits(long run, int lo) {
        return PackedBytes.unsigned(data, run, lo).lanewise(VectorOperators.LSHL, 4);
    }

    /** Quants of sub-block 2c (low nibbles plus bit 2c) times its scale. */
    private static FloatVector low(IntVector q, IntVector h, int c, float scale) {
        IntVector v = q.and(0x0f).or(h.lanewise(VectorOperators.LSHR, 2 * c).and(0x10));
        return PackedBytes.floats(v).mul(scale);
    }

    /** Quants of sub-block 2c + 1 (high nibbles plus bit 2c + 1) times its scale. */
    private static FloatVector high(IntVector q, IntVector h, int c, float scale) {
        IntVector v = q.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, 2 * c + 1).and(0x10));
        return PackedBytes.floats(v).mul(scale);
    }

    @Override
    protected float dot1(int r, PreparedActivations x, int t, float[] lanes) {
        float[] xv = x.values();
        float[] xs = x.scales();
        int nb = cols / QK;
        int xb = t * cols;
        int sb = t * nb;
        long rb = r * rowBytes;
        for (int g = 0; g < Lanes.GROUPS; g++) {
            int lo = g * W;
            FloatVector acc = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long bo = rb + (long) b * BLOCK_BYTES;
                long sc = KScales.scales(data, bo + SCALES);
                int xi = xb + b * QK + lo;
                // Two independent partial sums (low and high nibbles) halve the chain of dependent
                // fmas; the integer partials are exact in any order. The loop body is kept to one
                // run so that C2 can inline every vector operation of the method.
                FloatVector pl = FloatVector.zero(F);
                FloatVector ph = pl;
                for (int k = 0; k < 8; k++) {
                    // Run k (16 bytes) of chunk c = k / 2 holds values 64c + 16(k % 2) + i in its
                    // low nibbles (sub-block 2c) and the values 32 further on in its high ones;
                    // their fifth bits are bits 2c and 2c + 1 of qh run k % 2.
                    int c = k >> 1;
                    IntVector q = PackedBytes.unsigned(data, bo + QS + 16 * k, lo);
                    IntVector hb = highBits(bo + QH + 16 * (k & 1), lo);
                    int xc = xi + 64 * c + 16 * (k & 1);
                    pl = low(q, hb, c, KScales.get(sc, 2 * c)).fma(FloatVector.fromArray(F, xv, xc), pl);
                    ph = high(q, hb, c, KScales.get(sc, 2 * c + 1)).fma(FloatVector.fromArray(F, xv, xc + 32), ph);
                }
                FloatVector p = pl.add(ph);
                float d = Half.toFloat(data.get(SHORT_LE, bo)) * xs[sb + b];
                acc = p.fma(FloatVector.broadcast(F, d), acc);
            }
            acc.intoArray(lanes, lo);
        }
        float total = Lanes.reduce(lanes);
        mins(rb, x, t, 1, lanes);
        return total - lanes[0];
    }

    @Override
    protected void dot4(int r, PreparedActivations x, int t, float[] lanes, float[] sums) {
        float[] xv = x.values();
        float[] xs = x.scales();
        int nb = cols / QK;
        int x0 = t * cols;
        int s0 = t * nb;
        long rb = r * rowBytes;
        int c1 = cols;
        int c2 = 2 * cols;
        int c3 = 3 * cols;
        for (int g = 0; g < Lanes.GROUPS; g++) {
            int lo = g * W;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int b = 0; b < nb; b++) {
                long bo = rb + (long) b * BLOCK_BYTES;
                long sc = KScales.scales(data, bo + SCALES);
                int xi = x0 + b * QK + lo;
                // Per token one partial sum for low and one for high nibbles: eight independent
                // chains (the sums are exact, so splitting them changes nothing).
                FloatVector l0 = FloatVector.zero(F);
                FloatVector l1 = l0;
                FloatVector l2 = l0;
                FloatVector l3 = l0;
                FloatVector h0 = l0;
                FloatVector h1 = l0;
                FloatVector h2 = l0;
                FloatVector h3 = l0;
                for (int k = 0; k < 8; k++) {
                    // Run k (16 bytes) of chunk c = k / 2 holds values 64c + 16(k % 2) + i in its
                    // low nibbles (sub-block 2c) and the values 32 further on in its high ones;
                    // their fifth bits are bits 2c and 2c + 1 of qh run k % 2.
                    int c = k >> 1;
                    IntVector q = PackedBytes.unsigned(data, bo + QS + 16 * k, lo);
                    IntVector hb = highBits(bo + QH + 16 * (k & 1), lo);
                    int xc = xi + 64 * c + 16 * (k & 1);
                    FloatVector w = low(q, hb, c, KScales.get(sc, 2 * c));
                    l0 = w.fma(FloatVector.fromArray(F, xv, xc), l0);
                    l1 = w.fma(FloatVector.fromArray(F, xv, xc + c1), l1);
                    l2 = w.fma(FloatVector.fromArray(F, xv, xc + c2), l2);
                    l3 = w.fma(FloatVector.fromArray(F, xv, xc + c3), l3);
                    w = high(q, hb, c, KScales.get(sc, 2 * c + 1));
                    xc += 32;
                    h0 = w.fma(FloatVector.fromArray(F, xv, xc), h0);
                    h1 = w.fma(FloatVector.fromArray(F, xv, xc + c1), h1);
                    h2 = w.fma(FloatVector.fromArray(F, xv, xc + c2), h2);
                    h3 = w.fma(FloatVector.fromArray(F, xv, xc + c3), h3);
                }
                FloatVector p0 = l0.add(h0);
                FloatVector p1 = l1.add(h1);
                FloatVector p2 = l2.add(h2);
                FloatVector p3 = l3.add(h3);
                float d = Half.toFloat(data.get(SHORT_LE, bo));
                a0 = p0.fma(FloatVector.broadcast(F, d * xs[s0 + b]), a0);
                a1 = p1.fma(FloatVector.broadcast(F, d * xs[s0 + nb + b]), a1);
                a2 = p2.fma(FloatVector.broadcast(F, d * xs[s0 + 2 * nb + b]), a2);
                a3 = p3.fma(FloatVector.broadcast(F, d * xs[s0 + 3 * nb + b]), a3);
            }
            a0.intoArray(lanes, lo);
            a1.intoArray(lanes, L + lo);
            a2.intoArray(lanes, 2 * L + lo);
            a3.intoArray(lanes, 3 * L + lo);
        }
        for (int k = 0; k < 4; k++) {
            sums[k] = Lanes.reduce(lanes, k * L);
        }
        mins(rb, x, t, 4, lanes);
        for (int k = 0; k < 4; k++) {
            sums[k] -= lanes[k];
        }
    }

    /**
     * The mins terms of row {@code rb} for activation rows {@code t .. t+count}, into
     * {@code out[0 .. count)}: per row one accumulator, one fma per super-block in block order.
     */
    private void mins(long rb, PreparedActivations x, int t, int count, float[] out) {
        float[] xs = x.scales();
        float[] bs = x.sums();
        int nb = cols / QK;
        int sums = cols / 16;
        for (int k = 0; k < count; k++) {
            out[k] = 0f;
        }
        for (int b = 0; b < nb; b++) {
            long bo = rb + (long) b * BLOCK_BYTES;
            long m = KScales.mins(data, bo + SCALES);
            float dmin = Half.toFloat(data.get(SHORT_LE, bo + DMIN));
            for (int k = 0; k < count; k++) {
                int tk = t + k;
                int mi = KScales.minsDot(m, bs, tk * sums + b * 16);
                out[k] = Math.fma((float) mi, dmin * xs[tk * nb + b], out[k]);
            }
        }
    }

    @Override
    public void dequantizeRow(int r, float[] dst, int off) {
        long rb = r * rowBytes;
        for (int b = 0; b < cols / QK; b++) {
            long bo = rb + (long) b * BLOCK_BYTES;
            float d = Half.toFloat(data.get(SHORT_LE, bo));
            float dmin = Half.toFloat(data.get(SHORT_LE, bo + DMIN));
            long sc = KScales.scales(data, bo + SCALES);
            long m = KScales.mins(data, bo + SCALES);
            for (int j = 0; j < 8; j++) {
                // As ggml: the sub-block's scale and min are rounded to float first.
                float dj = d * KScales.get(sc, j);
                float mj = dmin * KScales.get(m, j);
                long run = bo + QS + 32L * (j / 2);
                int shift = 4 * (j & 1);
                int o = off + b * QK + 32 * j;
                for (int i = 0; i < 32; i++) {
                    int q = (data.get(ValueLayout.JAVA_BYTE, run + i) >>> shift) & 0x0f;
                    int hb = (data.get(ValueLayout.JAVA_BYTE, bo + QH + i) >>> j) & 1;
                    dst[o + i] = dj * (q + 16 * hb) - mj;
                }
            }
        }
    }
}
