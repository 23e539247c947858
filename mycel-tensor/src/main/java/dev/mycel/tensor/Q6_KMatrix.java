package dev.mycel.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q6_K weights: super-blocks of 256 values in 210 bytes: 128 bytes {@code ql} of low 4 bits,
 * 64 bytes {@code qh} of high 2 bits, 16 signed 8-bit scales (one per sub-block of 16) and an
 * fp16 {@code d}. In half n (values {@code 128n .. 128n+127}) with {@code ql' = ql + 64n},
 * {@code qh' = qh + 32n} and i &lt; 32, the quants of values {@code 128n + 32k + i} for k = 0..3
 * are the low nibble of {@code ql'[i]}, the low nibble of {@code ql'[i+32]}, the high nibble of
 * {@code ql'[i]} and the high nibble of {@code ql'[i+32]}, each with bits {@code 2k, 2k+1} of
 * {@code qh'[i]} on top. Value i is {@code d * sc_(i/16) * (q_i - 32)}.
 *
 * <p>Activations arrive as Q8_K. Per super-block, virtual lane l collects the exact integer
 * {@code P_l = sum_j sc_j * (q_i - 32) * x_i} over the one value i of each sub-block j with
 * i % 16 == l, then {@code acc_l = fma(P_l, d * d_x, acc_l)}, and the result is
 * {@code Lanes.reduce(acc)}. Exactness: |q - 32| &le; 32, |sc| &le; 128, |x| &le; 128 and 16 sub-blocks
 * bound every partial sum by 16 * 128 * 32 * 128 = 2^23 &lt; 2^24; the kernels form
 * {@code sc * (q - 32)} (at most 4096) as {@code fma(q, sc, -32 sc)}, which is exact too.
 */
final class Q6_KMatrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Lanes.FLOATS;
    private static final int W = Lanes.WIDTH;
    private static final int L = Lanes.COUNT;
    private static final int QK = 256;
    private static final int BLOCK_BYTES = 210;
    private static final ValueLayout.OfLong LONG_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Offsets inside a super-block. */
    private static final int QH = 128;
    private static final int SCALES = 192;
    private static final int D = 208;

    Q6_KMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public ActivationFormat inputFormat() {
        return ActivationFormat.Q8_K;
    }

    /** Signed scale j (0..7) of a little-endian long holding 8 of them. */
    private static int scale(long packed, int j) {
        return (byte) (packed >>> (8 * j));
    }

    /** {@code (q - 32) * scale} as exact floats. */
    private static FloatVector weights(IntVector q, int scale) {
        return PackedBytes.floats(q).fma((float) scale, (float) (-32 * scale));
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
                FloatVector p = FloatVector.zero(F);
                for (int n = 0; n < 2; n++) {
                    long sc = data.get(LONG_LE, bo + SCALES + 8 * n);
                    for (int h = 0; h < 2; h++) {
                        IntVector a = PackedBytes.unsigned(data, bo + 64 * n + 16 * h, lo);
                        IntVector c = PackedBytes.unsigned(data, bo + 64 * n + 32 + 16 * h, lo);
                        IntVector hi = PackedBytes.unsigned(data, bo + QH + 32 * n + 16 * h, lo);
                        int xi = xb + b * QK + 128 * n + 16 * h + lo;
                        IntVector q0 = a.and(0x0f).or(hi.lanewise(VectorOperators.LSHL, 4).and(0x30));
                        IntVector q1 = c.and(0x0f).or(hi.lanewise(VectorOperators.LSHL, 2).and(0x30));
                        IntVector q2 = a.lanewise(VectorOperators.LSHR, 4).or(hi.and(0x30));
                        IntVector q3 = c.lanewise(VectorOperators.LSHR, 4).or(hi.lanewise(VectorOperators.LSHR, 2).and(0x30));
                        p = weights(q0, scale(sc, h)).fma(FloatVector.fromArray(F, xv, xi), p);
                        p = weights(q1, scale(sc, 2 + h)).fma(FloatVector.fromArray(F, xv, xi + 32), p);
                        p = weights(q2, scale(sc, 4 + h)).fma(FloatVector.fromArray(F, xv, xi + 64), p);
                        p = weights(q3, scale(sc, 6 + h)).fma(FloatVector.fromArray(F, xv, xi + 96), p);
                    }
                }
                float d = Half.toFloat(data.get(SHORT_LE, bo + D)) * xs[sb + b];
                acc = p.fma(FloatVector.broadcast(F, d), acc);
            }
            acc.intoArray(lanes, lo);
        }
        return Lanes.reduce(lanes);
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
                FloatVector p0 = FloatVector.zero(F);
                FloatVector p1 = p0;
                FloatVector p2 = p0;
                FloatVector p3 = p0;
                for (int n = 0; n < 2; n++) {
                    long sc = data.get(LONG_LE, bo + SCALES + 8 * n);
                    for (int h = 0; h < 2; h++) {
                        IntVector a = PackedBytes.unsigned(data, bo + 64 * n + 16 * h, lo);
                        IntVector c = PackedBytes.unsigned(data, bo + 64 * n + 32 + 16 * h, lo);
                        IntVector hi = PackedBytes.unsigned(data, bo + QH + 32 * n + 16 * h, lo);
                        int xi = x0 + b * QK + 128 * n + 16 * h + lo;
                        FloatVector w = weights(a.and(0x0f).or(hi.lanewise(VectorOperators.LSHL, 4).and(0x30)), scale(sc, h));
                        p0 = w.fma(FloatVector.fromArray(F, xv, xi), p0);
                        p1 = w.fma(FloatVector.fromArray(F, xv, xi + c1), p1);
                        p2 = w.fma(FloatVector.fromArray(F, xv, xi + c2), p2);
                        p3 = w.fma(FloatVector.fromArray(F, xv, xi + c3), p3);
                        w = weights(c.and(0x0f).or(hi.lanewise(VectorOperators.LSHL, 2).and(0x30)), scale(sc, 2 + h));
                        xi += 32;
                        p0 = w.fma(FloatVector.fromArray(F, xv, xi), p0);
                        p1 = w.fma(FloatVector.fromArray(F, xv, xi + c1), p1);
                        p2 = w.fma(FloatVector.fromArray(F, xv, xi + c2), p2);
                        p3 = w.fma(FloatVector.fromArray(F, xv, xi + c3), p3);
                        w = weights(a.lanewise(VectorOperators.LSHR, 4).or(hi.and(0x30)), scale(sc, 4 + h));
                        xi += 32;
                        p0 = w.fma(FloatVector.fromArray(F, xv, xi), p0);
                        p1 = w.fma(FloatVector.fromArray(F, xv, xi + c1), p1);
                        p2 = w.fma(FloatVector.fromArray(F, xv, xi + c2), p2);
                        p3 = w.fma(FloatVector.fromArray(F, xv, xi + c3), p3);
                        w = weights(c.lanewise(VectorOperators.LSHR, 4).or(hi.lanewise(VectorOperators.LSHR, 2).and(0x30)), scale(sc, 6 + h));
                        xi += 32;
                        p0 = w.fma(FloatVector.fromArray(F, xv, xi), p0);
                        p1 = w.fma(FloatVector.fromArray(F, xv, xi + c1), p1);
                        p2 = w.fma(FloatVector.fromArray(F, xv, xi + c2), p2);
                        p3 = w.fma(FloatVector.fromArray(F, xv, xi + c3), p3);
                    }
                }
                float d = Half.toFloat(data.get(SHORT_LE, bo + D));
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
    }

    @Override
    public void dequantizeRow(int r, float[] dst, int off) {
        long rb = r * rowBytes;
        for (int b = 0; b < cols / QK; b++) {
            long bo = rb + (long) b * BLOCK_BYTES;
            float d = Half.toFloat(data.get(SHORT_LE, bo + D));
            for (int i = 0; i < QK; i++) {
                int n = i / 128;
                int k = (i % 128) / 32;
                int l = i % 32;
                int low = data.get(ValueLayout.JAVA_BYTE, bo + 64 * n + 32 * (k & 1) + l) & 0xff;
                int nibble = k < 2 ? low & 0x0f : low >>> 4;
                int top = (data.get(ValueLayout.JAVA_BYTE, bo + QH + 32 * n + l) >>> (2 * k)) & 3;
                int sc = data.get(ValueLayout.JAVA_BYTE, bo + SCALES + i / 16);
                // As ggml: d * sc rounds to float first, then the product with the quant.
                dst[off + b * QK + i] = d * sc * ((nibble | top << 4) - 32);
            }
        }
    }
}
