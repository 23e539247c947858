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
 * Q4_0 weights: blocks of 32 values, each an fp16 scale {@code d} followed by 16 bytes of 4-bit
 * quants: value j (0..15) is the low nibble of byte j minus 8, value j + 16 its high nibble
 * minus 8. Activations arrive as Q8_0 (as in llama.cpp).
 *
 * <p>Tile block (288 bytes): the 16 rows' {@code d}, then the 16 quant bytes in 8 pair steps
 * (see {@link QuantizedMatrix}). Pair step k holds bytes 2k and 2k + 1, whose low nibbles are
 * values 2k, 2k + 1 and whose high nibbles are values 2k + 16, 2k + 17.
 *
 * <p>Per block the kernels form {@code T = sum_i n_i x_i} over the unsigned nibbles n and
 * subtract {@code 8 * sum_i x_i} once, so that {@code isum = sum_i (n_i - 8) x_i}. Bounds, with
 * n &le; 15 and |x| &le; 127: a 16-bit lane accumulates one row's products with one of the two
 * values of each pair step, 8 steps of low nibbles and 8 of high ones, at most
 * 16 * 15 * 127 = 30,480 &lt; 2^15 in magnitude (the one-token kernel keeps low and high nibbles
 * apart, 15,240 each, and adds them at the end). Adding a lane pair in 32 bits and subtracting
 * {@code 8 * sum x} (at most 8 * 32 * 127) stays far below 2^31.
 */
final class Q4_0Matrix extends QuantizedMatrix {
    private static final int BLOCK = 288;
    /** Offset of the quant pairs in a tile block. */
    private static final int QS = 32;

    Q4_0Matrix(MemorySegment data, int rows, int cols, Arena arena) {
        super(data, rows, cols, arena);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
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
        float[] scales = s.scales;
        int[] pairs = x.pairs();
        int[] sums = x.sums();
        float[] xs = x.scales();
        int nb = blocks;
        int p0 = t * (cols / 2);
        int s0 = t * nb;
        ShortVector nibble = ShortVector.broadcast(S, (short) 15);
        for (int pass = 0; pass < PASSES; pass++) {
            int r0 = pass * W;
            zero(acc, r0);
            for (int b = 0; b < nb; b++) {
                long bo = tile + (long) b * BLOCK;
                long q = bo + QS + 2 * r0;
                int p = p0 + 16 * b;
                ShortVector lo = ShortVector.zero(S);
                ShortVector hi = lo;
                for (int k = 0; k < 8; k++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, q + 32 * k, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    lo = v.and(nibble).mul(IntVector.broadcast(I, pairs[p + k]).reinterpretAsShorts()).add(lo);
                    hi = v.lanewise(VectorOperators.LSHR, 4).mul(IntVector.broadcast(I, pairs[p + 8 + k]).reinterpretAsShorts()).add(hi);
                }
                IntVector v = lo.add(hi).reinterpretAsInts();
                IntVector isum = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(v.lanewise(VectorOperators.ASHR, 16)).sub(8 * sums[s0 + b]);
                halvesToFloats(w, bo + 2 * r0, scales, 0);
                FloatVector d = FloatVector.fromArray(F, scales, 0).mul(xs[s0 + b]);
                ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(d, FloatVector.fromArray(F, acc, r0)).intoArray(acc, r0);
            }
        }
    }

    @Override
    void multiplyGroup(MemorySegment w, long tile, PreparedActivations x, int t, Scratch s) {
        float[] acc = s.acc;
        float[] scales = s.scales;
        int[] pairs = x.pairs();
        int[] sums = x.sums();
        float[] xs = x.scales();
        int nb = blocks;
        int p0 = t * (cols / 2);
        int s0 = t * nb;
        ShortVector nibble = ShortVector.broadcast(S, (short) 15);
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
                ShortVector a0 = ShortVector.zero(S);
                ShortVector a1 = a0;
                ShortVector a2 = a0;
                ShortVector a3 = a0;
                for (int k = 0; k < 8; k++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, q + 32 * k, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector lo = v.and(nibble);
                    ShortVector hi = v.lanewise(VectorOperators.LSHR, 4);
                    int il = p + 4 * k;
                    int ih = il + 32;
                    a0 = lo.mul(IntVector.broadcast(I, pairs[il]).reinterpretAsShorts()).add(a0);
                    a1 = lo.mul(IntVector.broadcast(I, pairs[il + 1]).reinterpretAsShorts()).add(a1);
                    a2 = lo.mul(IntVector.broadcast(I, pairs[il + 2]).reinterpretAsShorts()).add(a2);
                    a3 = lo.mul(IntVector.broadcast(I, pairs[il + 3]).reinterpretAsShorts()).add(a3);
                    a0 = hi.mul(IntVector.broadcast(I, pairs[ih]).reinterpretAsShorts()).add(a0);
                    a1 = hi.mul(IntVector.broadcast(I, pairs[ih + 1]).reinterpretAsShorts()).add(a1);
                    a2 = hi.mul(IntVector.broadcast(I, pairs[ih + 2]).reinterpretAsShorts()).add(a2);
                    a3 = hi.mul(IntVector.broadcast(I, pairs[ih + 3]).reinterpretAsShorts()).add(a3);
                }
                halvesToFloats(w, bo + 2 * r0, scales, 0);
                FloatVector d = FloatVector.fromArray(F, scales, 0);
                int sb = s0 + 4 * b;
                IntVector v = a0.reinterpretAsInts();
                IntVector isum = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(v.lanewise(VectorOperators.ASHR, 16)).sub(8 * sums[sb]);
                ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(d.mul(xs[sb]), FloatVector.fromArray(F, acc, r0))
                        .intoArray(acc, r0);
                v = a1.reinterpretAsInts();
                isum = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(v.lanewise(VectorOperators.ASHR, 16)).sub(8 * sums[sb + 1]);
                ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(d.mul(xs[sb + 1]), FloatVector.fromArray(F, acc, ROWS + r0))
                        .intoArray(acc, ROWS + r0);
                v = a2.reinterpretAsInts();
                isum = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(v.lanewise(VectorOperators.ASHR, 16)).sub(8 * sums[sb + 2]);
                ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(d.mul(xs[sb + 2]), FloatVector.fromArray(F, acc, 2 * ROWS + r0))
                        .intoArray(acc, 2 * ROWS + r0);
                v = a3.reinterpretAsInts();
                isum = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(v.lanewise(VectorOperators.ASHR, 16)).sub(8 * sums[sb + 3]);
                ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(d.mul(xs[sb + 3]), FloatVector.fromArray(F, acc, 3 * ROWS + r0))
                        .intoArray(acc, 3 * ROWS + r0);
            }
        }
    }

    /** Quant i (0..31) of the block whose quants start at {@code qs}. */
    private int quant(long qs, int i) {
        int b = data.get(ValueLayout.JAVA_BYTE, qs + (i & 15)) & 0xff;
        return (i < 16 ? b & 0x0f : b >>> 4) - 8;
    }

    @Override
    public void dequantizeRow(int r, float[] dst, int off) {
        long rb = r * rowBytes;
        for (int b = 0; b < cols / 32; b++) {
            long bo = rb + (long) b * 18;
            float d = Half.toFloat(data.get(SHORT_LE, bo));
            for (int i = 0; i < 32; i++) {
                dst[off + b * 32 + i] = d * quant(bo + 2, i);
            }
        }
    }
}
