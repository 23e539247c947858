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
 *
 * <p>As in {@link Q4_KMatrix}, the vector operations are written out in the loops so that no
 * vector crosses a method call C2 might decline to inline.
 */
final class Q5_KMatrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Lanes.FLOATS;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final VectorSpecies<Byte> B = Lanes.BYTES;
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
                // The high bits of the two qh runs, moved up to bit 4: bit k of qh lands there
                // after a further right shift by k.
                IntVector hb0 = ((IntVector) ByteVector.fromMemorySegment(B, data, bo + QH + byteLo, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part)).lanewise(VectorOperators.LSHL, 4);
                IntVector hb1 = ((IntVector) ByteVector.fromMemorySegment(B, data, bo + QH + 16 + byteLo, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part)).lanewise(VectorOperators.LSHL, 4);
                // Four independent partial sums: the integer partials are exact in any order, and
                // one chain of 16 dependent fmas per super-block would leave the core waiting.
                FloatVector p0 = FloatVector.zero(F);
                FloatVector p1 = p0;
                FloatVector p2 = p0;
                FloatVector p3 = p0;
                for (int c = 0; c < 4; c++) {
                    // Chunk c: the 16-byte runs at 32c and 32c + 16 hold values 64c + i and
                    // 64c + 16 + i in their low nibbles (sub-block 2c, fifth bit = bit 2c of qh
                    // runs 0 and 1) and the values 32 further on in their high ones (sub-block
                    // 2c + 1, bit 2c + 1).
                    float sLow = KScales.get(sc, 2 * c);
                    float sHigh = KScales.get(sc, 2 * c + 1);
                    long run = bo + QS + 32 * c + byteLo;
                    IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B, data, run, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                    IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B, data, run + 16, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                    int xc = xi + 64 * c;
                    int shiftLow = 2 * c;
                    int shiftHigh = 2 * c + 1;
                    FloatVector w = ((FloatVector) q0.and(0x0f).or(hb0.lanewise(VectorOperators.LSHR, shiftLow).and(0x10))
                            .convert(VectorOperators.I2F, 0)).mul(sLow);
                    p0 = w.fma(FloatVector.fromArray(F, xv, xc), p0);
                    w = ((FloatVector) q1.and(0x0f).or(hb1.lanewise(VectorOperators.LSHR, shiftLow).and(0x10))
                            .convert(VectorOperators.I2F, 0)).mul(sLow);
                    p1 = w.fma(FloatVector.fromArray(F, xv, xc + 16), p1);
                    w = ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).or(hb0.lanewise(VectorOperators.LSHR, shiftHigh).and(0x10))
                            .convert(VectorOperators.I2F, 0)).mul(sHigh);
                    p2 = w.fma(FloatVector.fromArray(F, xv, xc + 32), p2);
                    w = ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).or(hb1.lanewise(VectorOperators.LSHR, shiftHigh).and(0x10))
                            .convert(VectorOperators.I2F, 0)).mul(sHigh);
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
                IntVector hb0 = ((IntVector) ByteVector.fromMemorySegment(B, data, bo + QH + byteLo, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part)).lanewise(VectorOperators.LSHL, 4);
                IntVector hb1 = ((IntVector) ByteVector.fromMemorySegment(B, data, bo + QH + 16 + byteLo, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part)).lanewise(VectorOperators.LSHL, 4);
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
                    // As in dot1: runs at 32c and 32c + 16, fifth bits from qh runs 0 and 1.
                    float sLow = KScales.get(sc, 2 * c);
                    float sHigh = KScales.get(sc, 2 * c + 1);
                    long run = bo + QS + 32 * c + byteLo;
                    IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B, data, run, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                    IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B, data, run + 16, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                    int xc = xi + 64 * c;
                    int shiftLow = 2 * c;
                    int shiftHigh = 2 * c + 1;
                    FloatVector w = ((FloatVector) q0.and(0x0f).or(hb0.lanewise(VectorOperators.LSHR, shiftLow).and(0x10))
                            .convert(VectorOperators.I2F, 0)).mul(sLow);
                    u0 = w.fma(FloatVector.fromArray(F, xv, xc), u0);
                    u1 = w.fma(FloatVector.fromArray(F, xv, xc + c1), u1);
                    u2 = w.fma(FloatVector.fromArray(F, xv, xc + c2), u2);
                    u3 = w.fma(FloatVector.fromArray(F, xv, xc + c3), u3);
                    w = ((FloatVector) q1.and(0x0f).or(hb1.lanewise(VectorOperators.LSHR, shiftLow).and(0x10))
                            .convert(VectorOperators.I2F, 0)).mul(sLow);
                    v0 = w.fma(FloatVector.fromArray(F, xv, xc + 16), v0);
                    v1 = w.fma(FloatVector.fromArray(F, xv, xc + 16 + c1), v1);
                    v2 = w.fma(FloatVector.fromArray(F, xv, xc + 16 + c2), v2);
                    v3 = w.fma(FloatVector.fromArray(F, xv, xc + 16 + c3), v3);
                    w = ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).or(hb0.lanewise(VectorOperators.LSHR, shiftHigh).and(0x10))
                            .convert(VectorOperators.I2F, 0)).mul(sHigh);
                    u0 = w.fma(FloatVector.fromArray(F, xv, xc + 32), u0);
                    u1 = w.fma(FloatVector.fromArray(F, xv, xc + 32 + c1), u1);
                    u2 = w.fma(FloatVector.fromArray(F, xv, xc + 32 + c2), u2);
                    u3 = w.fma(FloatVector.fromArray(F, xv, xc + 32 + c3), u3);
                    w = ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).or(hb1.lanewise(VectorOperators.LSHR, shiftHigh).and(0x10))
                            .convert(VectorOperators.I2F, 0)).mul(sHigh);
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
                    int hb = (data.get(ValueLayout.JAVA_BYTE, bo + QH + i) >>> j) & 1;
                    dst[o + i] = dj * (q + 16 * hb) - mj;
                }
            }
        }
    }
}
