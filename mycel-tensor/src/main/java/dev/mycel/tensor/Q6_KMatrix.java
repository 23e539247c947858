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
 *
 * <p>As in {@link Q4_KMatrix}, the vector operations are written out in the loops so that no
 * vector crosses a method call C2 might decline to inline.
 */
final class Q6_KMatrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Lanes.FLOATS;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final VectorSpecies<Byte> B = Lanes.BYTES;
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

    /*
     * The super-block is walked in 8 runs of 16 ql bytes: run k = 4n + 2h + s (half n, h and s
     * in 0..1) is ql bytes 64n + 32s + 16h + i, whose low nibbles are the values
     * v = 128n + 32s + 16h + i (sub-block v / 16) and whose high nibbles are the values v + 64;
     * their top two bits are bits 2s, 2s+1 and 2s+4, 2s+5 of qh byte 32n + 16h + i.
     */

    /** Offset of run k's ql bytes in the super-block. */
    private static int lowRun(int k) {
        return 64 * (k >> 2) + 32 * (k & 1) + 16 * ((k >> 1) & 1);
    }

    /** Offset of run k's qh bytes in the super-block. */
    private static int highRun(int k) {
        return QH + 32 * (k >> 2) + 16 * ((k >> 1) & 1);
    }

    /** The value of lane 0 of run k's low nibbles, relative to the super-block. */
    private static int firstValue(int k) {
        return 128 * (k >> 2) + 32 * (k & 1) + 16 * ((k >> 1) & 1);
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
                int xi = xb + b * QK + lo;
                // Two independent partial sums, for low and high nibbles (the integer partials
                // are exact in any order).
                FloatVector pl = FloatVector.zero(F);
                FloatVector ph = pl;
                for (int k = 0; k < 8; k++) {
                    long sc = data.get(LONG_LE, bo + SCALES + 8 * (k >> 2));
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(B, data, bo + lowRun(k) + byteLo, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                    IntVector h = (IntVector) ByteVector.fromMemorySegment(B, data, bo + highRun(k) + byteLo, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                    int xk = xi + firstValue(k);
                    int j = (firstValue(k) >> 4) & 7;
                    int twoS = 2 * (k & 1);
                    int s = scale(sc, j);
                    FloatVector w = ((FloatVector) q.and(0x0f).or(h.lanewise(VectorOperators.LSHL, 4 - twoS).and(0x30))
                            .convert(VectorOperators.I2F, 0)).fma((float) s, (float) (-32 * s));
                    pl = w.fma(FloatVector.fromArray(F, xv, xk), pl);
                    s = scale(sc, j + 4);
                    w = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, twoS).and(0x30))
                            .convert(VectorOperators.I2F, 0)).fma((float) s, (float) (-32 * s));
                    ph = w.fma(FloatVector.fromArray(F, xv, xk + 64), ph);
                }
                FloatVector p = pl.add(ph);
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
            long byteLo = PackedBytes.offset(lo);
            int part = PackedBytes.part(lo);
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int b = 0; b < nb; b++) {
                long bo = rb + (long) b * BLOCK_BYTES;
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
                    long sc = data.get(LONG_LE, bo + SCALES + 8 * (k >> 2));
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(B, data, bo + lowRun(k) + byteLo, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                    IntVector h = (IntVector) ByteVector.fromMemorySegment(B, data, bo + highRun(k) + byteLo, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                    int xk = xi + firstValue(k);
                    int j = (firstValue(k) >> 4) & 7;
                    int twoS = 2 * (k & 1);
                    int s = scale(sc, j);
                    FloatVector w = ((FloatVector) q.and(0x0f).or(h.lanewise(VectorOperators.LSHL, 4 - twoS).and(0x30))
                            .convert(VectorOperators.I2F, 0)).fma((float) s, (float) (-32 * s));
                    l0 = w.fma(FloatVector.fromArray(F, xv, xk), l0);
                    l1 = w.fma(FloatVector.fromArray(F, xv, xk + c1), l1);
                    l2 = w.fma(FloatVector.fromArray(F, xv, xk + c2), l2);
                    l3 = w.fma(FloatVector.fromArray(F, xv, xk + c3), l3);
                    s = scale(sc, j + 4);
                    w = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, twoS).and(0x30))
                            .convert(VectorOperators.I2F, 0)).fma((float) s, (float) (-32 * s));
                    xk += 64;
                    h0 = w.fma(FloatVector.fromArray(F, xv, xk), h0);
                    h1 = w.fma(FloatVector.fromArray(F, xv, xk + c1), h1);
                    h2 = w.fma(FloatVector.fromArray(F, xv, xk + c2), h2);
                    h3 = w.fma(FloatVector.fromArray(F, xv, xk + c3), h3);
                }
                float d = Half.toFloat(data.get(SHORT_LE, bo + D));
                a0 = l0.add(h0).fma(FloatVector.broadcast(F, d * xs[s0 + b]), a0);
                a1 = l1.add(h1).fma(FloatVector.broadcast(F, d * xs[s0 + nb + b]), a1);
                a2 = l2.add(h2).fma(FloatVector.broadcast(F, d * xs[s0 + 2 * nb + b]), a2);
                a3 = l3.add(h3).fma(FloatVector.broadcast(F, d * xs[s0 + 3 * nb + b]), a3);
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
