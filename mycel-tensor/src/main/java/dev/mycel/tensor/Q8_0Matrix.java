package dev.mycel.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q8_0 weights: blocks of 32 values, each an fp16 scale {@code d} followed by 32 signed bytes.
 * Activations arrive as Q8_0 (as in llama.cpp).
 *
 * <p>Tile block (544 bytes): the 16 rows' {@code d}, then the 32 quant bytes in 16 pair steps
 * (see {@link QuantizedMatrix}).
 *
 * <p>A product of two 8-bit integers fills most of a 16-bit lane (at most 128 * 127 = 16,256 in
 * magnitude). The one-token kernel adds the products of two pair steps in 16-bit lanes (at most
 * 32,512) and widens each such sum to 32 bits: 5 vector operations per 16 multiply-adds. The
 * group kernel, which decodes each weight vector once for four tokens, splits each weight q into
 * {@code q = 16 h + l} with {@code h = q >> 4} in [-8, 7] and {@code l = q & 15} in [0, 15], and
 * forms {@code isum = 16 sum h x + sum l x}: each 16-bit lane accumulates one row's products with
 * one value of each of the 16 pair steps, at most 16 * 15 * 127 = 30,480 for the l parts and
 * 16 * 8 * 127 = 16,256 for the h parts, both below 2^15, widened once per block. The 32-bit
 * sums are at most 32 * 128 * 127 in magnitude. Batches of
 * {@link PreparedActivations#FLOAT_BATCH} tokens or more take {@link FloatBatchKernel}, with
 * the weights converted by {@link #convertBlock}.
 */
final class Q8_0Matrix extends QuantizedMatrix implements FloatBatchKernel.Dequantizer {
    private static final int BLOCK = 544;
    /** Offset of the quant pairs in a tile block. */
    private static final int QS = 32;

    Q8_0Matrix(MemorySegment data, int rows, int cols, Arena arena) {
        super(data, rows, cols, arena);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public ActivationFormat inputFormat() {
        return ActivationFormat.Q8_0;
    }

    @Override
    int tileBlockBytes() {
        return BLOCK;
    }

    @Override
    int pairTarget(int k) {
        return k == 0 ? 0 : QS + 32 * (k - 1);
    }

    @Override
    void multiplyOne(MemorySegment w, long tile, PreparedActivations x, int t, Scratch s) {
        float[] acc = s.acc;
        int[] pairs = x.pairs();
        float[] xs = x.scales();
        int nb = blocks;
        int p0 = t * (cols / 2);
        int s0 = t * nb;
        for (int pass = 0; pass < PASSES; pass++) {
            int r0 = pass * W;
            zero(acc, r0);
            for (int b = 0; b < nb; b++) {
                long bo = tile + (long) b * BLOCK;
                long q = bo + QS + 2 * r0;
                int p = p0 + 16 * b;
                IntVector isum = IntVector.zero(I);
                // Each product of two bytes is at most 128 * 127 = 16,256 in magnitude, so two
                // steps' products add in a 16-bit lane (32,512); the two lanes of a row then add
                // in 32 bits.
                for (int k = 0; k < 16; k += 2) {
                    ShortVector u = (ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, q + 32 * k, LE)
                            .convertShape(VectorOperators.B2S, S, 0);
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, q + 32 * k + 32, LE)
                            .convertShape(VectorOperators.B2S, S, 0);
                    IntVector y = u.mul(IntVector.broadcast(I, pairs[p + k]).reinterpretAsShorts())
                            .add(v.mul(IntVector.broadcast(I, pairs[p + k + 1]).reinterpretAsShorts()))
                            .reinterpretAsInts();
                    isum = isum.add(y.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(y.lanewise(VectorOperators.ASHR, 16)));
                }
                halvesToFloats(w, bo + 2 * r0, s.scales, 0);
                FloatVector d = FloatVector.fromArray(F, s.scales, 0).mul(xs[s0 + b]);
                ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(d, FloatVector.fromArray(F, acc, r0)).intoArray(acc, r0);
            }
        }
    }

    @Override
    void multiplyGroup(MemorySegment w, long tile, PreparedActivations x, int t, Scratch s) {
        float[] acc = s.acc;
        float[] scales = s.scales;
        int[] pairs = x.pairs();
        float[] xs = x.scales();
        int nb = blocks;
        int p0 = t * (cols / 2);
        int s0 = t * nb;
        ShortVector low = ShortVector.broadcast(S, (short) 15);
        for (int pass = 0; pass < PASSES; pass++) {
            int r0 = pass * W;
            zero(acc, r0);
            zero(acc, ROWS + r0);
            zero(acc, 2 * ROWS + r0);
            zero(acc, 3 * ROWS + r0);
            for (int b = 0; b < nb; b++) {
                long bo = tile + (long) b * BLOCK;
                long q = bo + QS + 2 * r0;
                // Pair e of token u is at p0 + 4e + u; this block's pairs are e = 16b .. 16b + 15.
                int p = p0 + 64 * b;
                ShortVector l0 = ShortVector.zero(S);
                ShortVector l1 = l0;
                ShortVector l2 = l0;
                ShortVector l3 = l0;
                ShortVector h0 = l0;
                ShortVector h1 = l0;
                ShortVector h2 = l0;
                ShortVector h3 = l0;
                for (int k = 0; k < 16; k++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, q + 32 * k, LE)
                            .convertShape(VectorOperators.B2S, S, 0);
                    ShortVector lo = v.and(low);
                    ShortVector hi = v.lanewise(VectorOperators.ASHR, 4);
                    int i = p + 4 * k;
                    ShortVector xv = IntVector.broadcast(I, pairs[i]).reinterpretAsShorts();
                    l0 = lo.mul(xv).add(l0);
                    h0 = hi.mul(xv).add(h0);
                    xv = IntVector.broadcast(I, pairs[i + 1]).reinterpretAsShorts();
                    l1 = lo.mul(xv).add(l1);
                    h1 = hi.mul(xv).add(h1);
                    xv = IntVector.broadcast(I, pairs[i + 2]).reinterpretAsShorts();
                    l2 = lo.mul(xv).add(l2);
                    h2 = hi.mul(xv).add(h2);
                    xv = IntVector.broadcast(I, pairs[i + 3]).reinterpretAsShorts();
                    l3 = lo.mul(xv).add(l3);
                    h3 = hi.mul(xv).add(h3);
                }
                halvesToFloats(w, bo + 2 * r0, scales, 0);
                FloatVector d = FloatVector.fromArray(F, scales, 0);
                int sb = s0 + 4 * b;
                IntVector vl = l0.reinterpretAsInts();
                IntVector vh = h0.reinterpretAsInts();
                IntVector isum = vl.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(vl.lanewise(VectorOperators.ASHR, 16))
                        .add(vh.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(vh.lanewise(VectorOperators.ASHR, 16)).lanewise(VectorOperators.LSHL, 4));
                ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(d.mul(xs[sb]), FloatVector.fromArray(F, acc, r0))
                        .intoArray(acc, r0);
                vl = l1.reinterpretAsInts();
                vh = h1.reinterpretAsInts();
                isum = vl.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(vl.lanewise(VectorOperators.ASHR, 16))
                        .add(vh.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(vh.lanewise(VectorOperators.ASHR, 16)).lanewise(VectorOperators.LSHL, 4));
                ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(d.mul(xs[sb + 1]), FloatVector.fromArray(F, acc, ROWS + r0))
                        .intoArray(acc, ROWS + r0);
                vl = l2.reinterpretAsInts();
                vh = h2.reinterpretAsInts();
                isum = vl.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(vl.lanewise(VectorOperators.ASHR, 16))
                        .add(vh.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(vh.lanewise(VectorOperators.ASHR, 16)).lanewise(VectorOperators.LSHL, 4));
                ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(d.mul(xs[sb + 2]), FloatVector.fromArray(F, acc, 2 * ROWS + r0))
                        .intoArray(acc, 2 * ROWS + r0);
                vl = l3.reinterpretAsInts();
                vh = h3.reinterpretAsInts();
                isum = vl.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(vl.lanewise(VectorOperators.ASHR, 16))
                        .add(vh.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                                .add(vh.lanewise(VectorOperators.ASHR, 16)).lanewise(VectorOperators.LSHL, 4));
                ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(d.mul(xs[sb + 3]), FloatVector.fromArray(F, acc, 3 * ROWS + r0))
                        .intoArray(acc, 3 * ROWS + r0);
            }
        }
    }

    @Override
    public void convertBlock(MemorySegment w, long tile, int b, float[] q, int qOff, float[] d, int dOff) {
        long bo = tile + (long) b * BLOCK;
        for (int r0 = 0; r0 < ROWS; r0 += W) {
            halvesToFloats(w, bo + 2 * r0, d, dOff + r0);
            for (int k = 0; k < 16; k++) {
                IntVector v = ((ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, bo + QS + 32 * k + 2 * r0, LE)
                        .convertShape(VectorOperators.B2S, S, 0)).reinterpretAsInts();
                ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .convert(VectorOperators.I2F, 0)).intoArray(q, qOff + ROWS * 2 * k + r0);
                ((FloatVector) v.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                        .intoArray(q, qOff + ROWS * (2 * k + 1) + r0);
            }
        }
    }

    @Override
    public void dequantizeRow(int r, float[] dst, int off) {
        long rb = r * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long bo = rb + (long) b * 34;
            float d = Half.toFloat(data.get(SHORT_LE, bo));
            for (int i = 0; i < 32; i++) {
                dst[off + b * 32 + i] = d * data.get(ValueLayout.JAVA_BYTE, bo + 2 + i);
            }
        }
    }
}
