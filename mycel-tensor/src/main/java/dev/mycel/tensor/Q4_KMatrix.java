package dev.mycel.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_K weights: super-blocks of 256 values in 144 bytes: fp16 {@code d}, fp16 {@code dmin},
 * 12 bytes of 6-bit scales and mins for 8 sub-blocks of 32 (see {@link KScales}), and 128 bytes
 * of 4-bit quants. Quants 0..31 of the 64 values of chunk c (0..3) are the low nibbles of bytes
 * {@code 32c .. 32c+31} (sub-block 2c) and quants 32..63 their high nibbles (sub-block 2c+1).
 * Value i is {@code d * sc_j * q_i - dmin * m_j} for the sub-block j holding it.
 *
 * <p>Activations arrive as Q8_K (as in llama.cpp). The dot product of a row with activations
 * x = (integers, scale d_x per 256, sums of 16) splits as in ggml's vec_dot_q4_K_q8_K:
 * {@code sum_b d_b d_x,b P_b - sum_b dmin_b d_x,b M_b} with the exact integers
 * {@code P_b = sum_i sc_j(i) q_i x_i} and {@code M_b = sum_j m_j (bsum_2j + bsum_2j+1)}.
 *
 * <p>Deterministic order. Per super-block, virtual lane l collects the exact integer
 * {@code P_l = sum over sub-blocks j of sc_j * (sum of q_i x_i over the values i of sub-block j
 * with i % 16 == l)} and then does {@code acc_l = fma(P_l, d * d_x, acc_l)}. Exactness: q &le; 15,
 * |x| &le; 128 and sc &le; 63, and each lane holds 2 values of each of the 8 sub-blocks, so every
 * partial sum, in whatever order and grouping it is formed, is at most
 * 8 * 63 * 2 * 15 * 128 = 1,935,360 &lt; 2^24 in magnitude; the kernels form {@code sc * q}
 * first (at most 945) and add {@code (sc q) x} with fused multiply-adds, all exact. The mins term
 * goes into one scalar accumulator, {@code m = fma(M_b, dmin * d_x, m)} in block order
 * (|M_b| &le; 8 * 63 * 4096 &lt; 2^21, exact), and the result is {@code Lanes.reduce(acc) - m}.
 *
 * <p>Speed. The vector operations are written out in the loops rather than in helper methods:
 * C2 always inlines the Vector API's own methods, but may give up inlining ours in a large
 * method, and a vector that crosses a call that is not inlined is boxed on the heap.
 */
final class Q4_KMatrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Lanes.FLOATS;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final VectorSpecies<Byte> B = Lanes.BYTES;
    private static final int W = Lanes.WIDTH;
    private static final int L = Lanes.COUNT;
    private static final int QK = 256;
    private static final int BLOCK_BYTES = 144;
    /** Offsets inside a super-block. */
    private static final int DMIN = 2;
    private static final int SCALES = 4;
    private static final int QS = 16;

    Q4_KMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public ActivationFormat inputFormat() {
        return ActivationFormat.Q8_K;
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
            long byteLo = PackedBytes.offset(lo);
            int part = PackedBytes.part(lo);
            FloatVector acc = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long bo = rb + (long) b * BLOCK_BYTES;
                long sc = KScales.scales(data, bo + SCALES);
                int xi = xb + b * QK + lo;
                // Four independent partial sums: the integer partials are exact in any order, and
                // one chain of 16 dependent fmas per super-block would leave the core waiting.
                FloatVector p0 = FloatVector.zero(F);
                FloatVector p1 = p0;
                FloatVector p2 = p0;
                FloatVector p3 = p0;
                for (int c = 0; c < 4; c++) {
                    // Chunk c: the 16-byte runs at 32c and 32c + 16 hold values 64c + i and
                    // 64c + 16 + i in their low nibbles (sub-block 2c) and the values 32 further
                    // on in their high ones (sub-block 2c + 1).
                    float sLow = KScales.get(sc, 2 * c);
                    float sHigh = KScales.get(sc, 2 * c + 1);
                    long run = bo + QS + 32 * c + byteLo;
                    IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B, data, run, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                    IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B, data, run + 16, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                    int xc = xi + 64 * c;
                    FloatVector w = ((FloatVector) q0.and(0x0f).convert(VectorOperators.I2F, 0)).mul(sLow);
                    p0 = w.fma(FloatVector.fromArray(F, xv, xc), p0);
                    w = ((FloatVector) q1.and(0x0f).convert(VectorOperators.I2F, 0)).mul(sLow);
                    p1 = w.fma(FloatVector.fromArray(F, xv, xc + 16), p1);
                    w = ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(sHigh);
                    p2 = w.fma(FloatVector.fromArray(F, xv, xc + 32), p2);
                    w = ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(sHigh);
                    p3 = w.fma(FloatVector.fromArray(F, xv, xc + 48), p3);
                }
                float d = Half.toFloat(data.get(SHORT_LE, bo)) * xs[sb + b];
                acc = p0.add(p1).add(p2.add(p3)).fma(FloatVector.broadcast(F, d), acc);
            }
            acc.intoArray(lanes, lo);
        }
        float total = Lanes.reduce(lanes);
        KScales.minsTerms(data, rb, BLOCK_BYTES, nb, x, t, 1, lanes);
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
            long byteLo = PackedBytes.offset(lo);
            int part = PackedBytes.part(lo);
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int b = 0; b < nb; b++) {
                long bo = rb + (long) b * BLOCK_BYTES;
                long sc = KScales.scales(data, bo + SCALES);
                int xi = x0 + b * QK + lo;
                // Per token one partial sum for each of the chunk's two runs: eight independent
                // chains (the sums are exact, so splitting them changes nothing).
                FloatVector u0 = FloatVector.zero(F);
                FloatVector u1 = u0;
                FloatVector u2 = u0;
                FloatVector u3 = u0;
                FloatVector v0 = u0;
                FloatVector v1 = u0;
                FloatVector v2 = u0;
                FloatVector v3 = u0;
                for (int c = 0; c < 4; c++) {
                    // Chunk c: the 16-byte runs at 32c and 32c + 16 hold values 64c + i and
                    // 64c + 16 + i in their low nibbles (sub-block 2c) and the values 32 further
                    // on in their high ones (sub-block 2c + 1).
                    float sLow = KScales.get(sc, 2 * c);
                    float sHigh = KScales.get(sc, 2 * c + 1);
                    long run = bo + QS + 32 * c + byteLo;
                    IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B, data, run, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                    IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B, data, run + 16, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                    int xc = xi + 64 * c;
                    FloatVector w = ((FloatVector) q0.and(0x0f).convert(VectorOperators.I2F, 0)).mul(sLow);
                    u0 = w.fma(FloatVector.fromArray(F, xv, xc), u0);
                    u1 = w.fma(FloatVector.fromArray(F, xv, xc + c1), u1);
                    u2 = w.fma(FloatVector.fromArray(F, xv, xc + c2), u2);
                    u3 = w.fma(FloatVector.fromArray(F, xv, xc + c3), u3);
                    w = ((FloatVector) q1.and(0x0f).convert(VectorOperators.I2F, 0)).mul(sLow);
                    v0 = w.fma(FloatVector.fromArray(F, xv, xc + 16), v0);
                    v1 = w.fma(FloatVector.fromArray(F, xv, xc + 16 + c1), v1);
                    v2 = w.fma(FloatVector.fromArray(F, xv, xc + 16 + c2), v2);
                    v3 = w.fma(FloatVector.fromArray(F, xv, xc + 16 + c3), v3);
                    w = ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(sHigh);
                    u0 = w.fma(FloatVector.fromArray(F, xv, xc + 32), u0);
                    u1 = w.fma(FloatVector.fromArray(F, xv, xc + 32 + c1), u1);
                    u2 = w.fma(FloatVector.fromArray(F, xv, xc + 32 + c2), u2);
                    u3 = w.fma(FloatVector.fromArray(F, xv, xc + 32 + c3), u3);
                    w = ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(sHigh);
                    v0 = w.fma(FloatVector.fromArray(F, xv, xc + 48), v0);
                    v1 = w.fma(FloatVector.fromArray(F, xv, xc + 48 + c1), v1);
                    v2 = w.fma(FloatVector.fromArray(F, xv, xc + 48 + c2), v2);
                    v3 = w.fma(FloatVector.fromArray(F, xv, xc + 48 + c3), v3);
                }
                float d = Half.toFloat(data.get(SHORT_LE, bo));
                a0 = u0.add(v0).fma(FloatVector.broadcast(F, d * xs[s0 + b]), a0);
                a1 = u1.add(v1).fma(FloatVector.broadcast(F, d * xs[s0 + nb + b]), a1);
                a2 = u2.add(v2).fma(FloatVector.broadcast(F, d * xs[s0 + 2 * nb + b]), a2);
                a3 = u3.add(v3).fma(FloatVector.broadcast(F, d * xs[s0 + 3 * nb + b]), a3);
            }
            a0.intoArray(lanes, lo);
            a1.intoArray(lanes, L + lo);
            a2.intoArray(lanes, 2 * L + lo);
            a3.intoArray(lanes, 3 * L + lo);
        }
        for (int k = 0; k < 4; k++) {
            sums[k] = Lanes.reduce(lanes, k * L);
        }
        KScales.minsTerms(data, rb, BLOCK_BYTES, nb, x, t, 4, lanes);
        for (int k = 0; k < 4; k++) {
            sums[k] -= lanes[k];
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
                    dst[o + i] = dj * q - mj;
                }
            }
        }
    }
}
