package dev.mycel.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_K weights: super-blocks of 256 values in 176 bytes: fp16 {@code d}, fp16 {@code dmin},
 * 12 bytes of 6-bit scales and mins for 8 sub-blocks of 32 (see {@link KScales}), 32 bytes of
 * high bits {@code qh} and 128 bytes of low nibbles laid out as in Q4_K. The 5-bit quant of
 * value {@code 64c + i} (chunk c, i &lt; 32) is the low nibble of byte {@code 32c + i} plus 16 times
 * bit 2c of {@code qh[i]}; value {@code 64c + 32 + i} takes the high nibble and bit 2c+1. Value
 * i is {@code d * sc_j * q_i - dmin * m_j}. Activations arrive as Q8_K.
 *
 * <p>Tile block (2944 bytes, 184 per row): {@code d}, {@code dmin}, decoded scales and mins as
 * in {@link Q4_KMatrix}, the 32 {@code qh} bytes in 16 pair steps, then the 128 nibble bytes in
 * 64 pair steps. Pair step i of {@code qh} supplies the fifth bits of pair step
 * {@code 16c + i} of the nibbles, for every chunk c.
 *
 * <p>Exact integers: q &le; 31 and |x| &le; 127, so a 16-bit lane can take 8 products
 * (8 * 31 * 127 = 31,496 &lt; 2^15); the kernels therefore close a sub-block's sums every 8 pair
 * steps, adding {@code sc_j} times the 32-bit lane-pair sum to S each time. A sub-block's sum is
 * at most 32 * 31 * 127 = 125,984, so {@code |S| &le; 8 * 63 * 125,984 &lt; 2^26} and
 * {@code |M| &lt; 2^21}, as in Q4_K.
 */
final class Q5_KMatrix extends QuantizedMatrix {
    private static final int BLOCK = 2944;
    /** Offsets in a tile block; the header before {@link #QH} is {@link KQuantEnd}'s. */
    private static final int SCALES = KQuantEnd.SCALES;
    private static final int QH = KQuantEnd.HEADER;
    private static final int QS = QH + 512;

    Q5_KMatrix(MemorySegment data, int rows, int cols, Arena arena) {
        super(data, rows, cols, arena);
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
    int tileBlockBytes() {
        return BLOCK;
    }

    @Override
    int pairTarget(int k) {
        // Bytes 0-1 d, 2-3 dmin and 4-15 packed scales are converted apart; 16-47 are qh and
        // 48-175 quants.
        if (k < 8) {
            return -1;
        }
        return k < 24 ? QH + 32 * (k - 8) : QS + 32 * (k - 24);
    }

    @Override
    void repackScales(byte[] src, int rowBytes, int srcBlock, byte[] dst, int dstOff) {
        KQuantEnd.halvesAsFloats(src, rowBytes, srcBlock, dst, dstOff + KQuantEnd.D);
        KQuantEnd.halvesAsFloats(src, rowBytes, srcBlock + 2, dst, dstOff + KQuantEnd.DMIN);
        KScales.interleave(src, rowBytes, srcBlock + 4, dst, dstOff + SCALES, dstOff + KQuantEnd.MINS);
    }

    @Override
    void multiplyOne(MemorySegment w, long tile, PreparedActivations x, int t, Scratch s) {
        int[] pairs = x.pairs();
        int[] sums = x.sums();
        float[] xs = x.scales();
        int nb = blocks;
        int p0 = t * (cols / 2);
        int m0 = t * (cols / 32);
        int s0 = t * nb;
        for (int pass = 0; pass < PASSES; pass++) {
            int r0 = pass * W;
            Arrays.fill(s.acc, r0, r0 + W, 0f);
            Arrays.fill(s.minAcc, r0, r0 + W, 0f);
            for (int b = 0; b < nb; b++) {
                long bo = tile + (long) b * BLOCK;
                Arrays.fill(s.isum, r0, r0 + W, 0);
                for (int h = 0; h < 8; h++) {
                    halfChunkOne(w, bo, h, r0, pairs, p0 + 128 * b + 32 * (h >> 1), s.isum);
                }
                KQuantEnd.withMinsOne(w, bo, r0, sums, m0 + 8 * b, xs[s0 + b], s);
            }
            KQuantEnd.addMins(s, r0);
        }
    }

    @Override
    void multiplyGroup(MemorySegment w, long tile, PreparedActivations x, int t, Scratch s) {
        int[] pairs = x.pairs();
        int[] sums = x.sums();
        float[] xs = x.scales();
        int nb = blocks;
        int p0 = t * (cols / 2);
        int m0 = t * (cols / 32);
        int s0 = t * nb;
        for (int pass = 0; pass < PASSES; pass++) {
            int r0 = pass * W;
            for (int u = 0; u < 4; u++) {
                Arrays.fill(s.acc, u * ROWS + r0, u * ROWS + r0 + W, 0f);
                Arrays.fill(s.minAcc, u * ROWS + r0, u * ROWS + r0 + W, 0f);
            }
            for (int b = 0; b < nb; b++) {
                long bo = tile + (long) b * BLOCK;
                for (int u = 0; u < 4; u++) {
                    Arrays.fill(s.isum, u * ROWS + r0, u * ROWS + r0 + W, 0);
                }
                // Pair e of token u is at p0 + 4e + u; chunk c's are e = 128b + 32c + i.
                for (int h = 0; h < 8; h++) {
                    halfChunkGroup(w, bo, h, r0, pairs, p0 + 4 * (128 * b + 32 * (h >> 1)), s.isum);
                }
                // Sub-block sums: entry 8b + j of token u is at m0 + 32b + 4j + u.
                KQuantEnd.withMinsGroup(w, bo, r0, sums, m0 + 32 * b, xs, s0 + 4 * b, s);
            }
            for (int u = 0; u < 4; u++) {
                KQuantEnd.addMins(s, u * ROWS + r0);
            }
        }
    }

    /**
     * Half chunk h (steps {@code 8 (h % 2) ..} of chunk c = h / 2, whose low nibbles are in
     * sub-block 2c and high ones in 2c + 1) of the super-block at {@code bo}, rows {@code r0 ..}
     * of a pass, for the token whose pairs for the chunk start at {@code p}: adds the half
     * chunk's {@code sc_j isum_j} to {@code isum[r0 ..]}. The kernels are cut into such pieces,
     * with only arrays between them, because C2 compiles a method in one piece up to a node
     * count limit, past which it stops inlining and vector operations allocate.
     */
    private static void halfChunkOne(MemorySegment w, long bo, int h, int r0, int[] pairs, int p, int[] isum) {
        ShortVector nibble = ShortVector.broadcast(S, (short) 15);
        ShortVector fifth = ShortVector.broadcast(S, (short) 16);
        int c = h >> 1;
        int i0 = 8 * (h & 1);
        long q = bo + QS + 512 * c + 2 * r0;
        long qh = bo + QH + 2 * r0;
        ShortVector lo = ShortVector.zero(S);
        ShortVector hi = lo;
        for (int i = i0; i < i0 + 8; i++) {
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, q + 32 * i, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            ShortVector hb = ((ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, qh + 32 * i, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0)).lanewise(VectorOperators.LSHR, 2 * c);
            ShortVector ql = v.and(nibble).or(hb.lanewise(VectorOperators.LSHL, 4).and(fifth));
            ShortVector qu = v.lanewise(VectorOperators.LSHR, 4).or(hb.lanewise(VectorOperators.LSHL, 3).and(fifth));
            lo = ql.mul(IntVector.broadcast(I, pairs[p + i]).reinterpretAsShorts()).add(lo);
            hi = qu.mul(IntVector.broadcast(I, pairs[p + 16 + i]).reinterpretAsShorts()).add(hi);
        }
        IntVector vl = lo.reinterpretAsInts();
        IntVector vh = hi.reinterpretAsInts();
        IntVector scLo = (IntVector) ByteVector.fromMemorySegment(ROW_BYTES, w, bo + SCALES + 32 * c + r0, LE)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
        IntVector scHi = (IntVector) ByteVector.fromMemorySegment(ROW_BYTES, w, bo + SCALES + 32 * c + 16 + r0, LE)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
        IntVector.fromArray(I, isum, r0)
                .add(vl.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(vl.lanewise(VectorOperators.ASHR, 16)).mul(scLo))
                .add(vh.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(vh.lanewise(VectorOperators.ASHR, 16)).mul(scHi))
                .intoArray(isum, r0);
    }

    /**
     * As {@link #halfChunkOne}, for the four tokens whose pairs for the chunk start at
     * {@code p} (pair e of token u at {@code p + 4e + u}; low nibbles use e = i, high ones
     * e = 16 + i), adding to {@code isum[16u + r0 ..]}.
     */
    private static void halfChunkGroup(MemorySegment w, long bo, int h, int r0, int[] pairs, int p, int[] isum) {
        ShortVector nibble = ShortVector.broadcast(S, (short) 15);
        ShortVector fifth = ShortVector.broadcast(S, (short) 16);
        int c = h >> 1;
        int i0 = 8 * (h & 1);
        long q = bo + QS + 512 * c + 2 * r0;
        long qh = bo + QH + 2 * r0;
        ShortVector l0 = ShortVector.zero(S);
        ShortVector l1 = l0;
        ShortVector l2 = l0;
        ShortVector l3 = l0;
        ShortVector h0 = l0;
        ShortVector h1 = l0;
        ShortVector h2 = l0;
        ShortVector h3 = l0;
        for (int i = i0; i < i0 + 8; i++) {
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, q + 32 * i, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            ShortVector hb = ((ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, qh + 32 * i, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0)).lanewise(VectorOperators.LSHR, 2 * c);
            ShortVector lo = v.and(nibble).or(hb.lanewise(VectorOperators.LSHL, 4).and(fifth));
            ShortVector hi = v.lanewise(VectorOperators.LSHR, 4).or(hb.lanewise(VectorOperators.LSHL, 3).and(fifth));
            int il = p + 4 * i;
            int ih = il + 64;
            l0 = lo.mul(IntVector.broadcast(I, pairs[il]).reinterpretAsShorts()).add(l0);
            l1 = lo.mul(IntVector.broadcast(I, pairs[il + 1]).reinterpretAsShorts()).add(l1);
            l2 = lo.mul(IntVector.broadcast(I, pairs[il + 2]).reinterpretAsShorts()).add(l2);
            l3 = lo.mul(IntVector.broadcast(I, pairs[il + 3]).reinterpretAsShorts()).add(l3);
            h0 = hi.mul(IntVector.broadcast(I, pairs[ih]).reinterpretAsShorts()).add(h0);
            h1 = hi.mul(IntVector.broadcast(I, pairs[ih + 1]).reinterpretAsShorts()).add(h1);
            h2 = hi.mul(IntVector.broadcast(I, pairs[ih + 2]).reinterpretAsShorts()).add(h2);
            h3 = hi.mul(IntVector.broadcast(I, pairs[ih + 3]).reinterpretAsShorts()).add(h3);
        }
        IntVector scLo = (IntVector) ByteVector.fromMemorySegment(ROW_BYTES, w, bo + SCALES + 32 * c + r0, LE)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
        IntVector scHi = (IntVector) ByteVector.fromMemorySegment(ROW_BYTES, w, bo + SCALES + 32 * c + 16 + r0, LE)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
        IntVector vl = l0.reinterpretAsInts();
        IntVector vh = h0.reinterpretAsInts();
        IntVector.fromArray(I, isum, r0)
                .add(vl.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(vl.lanewise(VectorOperators.ASHR, 16)).mul(scLo))
                .add(vh.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(vh.lanewise(VectorOperators.ASHR, 16)).mul(scHi))
                .intoArray(isum, r0);
        vl = l1.reinterpretAsInts();
        vh = h1.reinterpretAsInts();
        IntVector.fromArray(I, isum, ROWS + r0)
                .add(vl.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(vl.lanewise(VectorOperators.ASHR, 16)).mul(scLo))
                .add(vh.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(vh.lanewise(VectorOperators.ASHR, 16)).mul(scHi))
                .intoArray(isum, ROWS + r0);
        vl = l2.reinterpretAsInts();
        vh = h2.reinterpretAsInts();
        IntVector.fromArray(I, isum, 2 * ROWS + r0)
                .add(vl.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(vl.lanewise(VectorOperators.ASHR, 16)).mul(scLo))
                .add(vh.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(vh.lanewise(VectorOperators.ASHR, 16)).mul(scHi))
                .intoArray(isum, 2 * ROWS + r0);
        vl = l3.reinterpretAsInts();
        vh = h3.reinterpretAsInts();
        IntVector.fromArray(I, isum, 3 * ROWS + r0)
                .add(vl.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(vl.lanewise(VectorOperators.ASHR, 16)).mul(scLo))
                .add(vh.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(vh.lanewise(VectorOperators.ASHR, 16)).mul(scHi))
                .intoArray(isum, 3 * ROWS + r0);
    }

    @Override
    public void dequantizeRow(int r, float[] dst, int off) {
        long rb = r * rowBytes;
        for (int b = 0; b < cols / 256; b++) {
            long bo = rb + (long) b * 176;
            float d = Half.toFloat(data.get(SHORT_LE, bo));
            float dmin = Half.toFloat(data.get(SHORT_LE, bo + 2));
            long sc = KScales.scales(data, bo + 4);
            long m = KScales.mins(data, bo + 4);
            for (int j = 0; j < 8; j++) {
                // As ggml: the sub-block's scale and min are rounded to float first.
                float dj = d * KScales.get(sc, j);
                float mj = dmin * KScales.get(m, j);
                long run = bo + 48 + 32L * (j / 2);
                int shift = 4 * (j & 1);
                int o = off + b * 256 + 32 * j;
                for (int i = 0; i < 32; i++) {
                    int q = (data.get(ValueLayout.JAVA_BYTE, run + i) >>> shift) & 0x0f;
                    int hb = (data.get(ValueLayout.JAVA_BYTE, bo + 16 + i) >>> j) & 1;
                    dst[o + i] = dj * (q + 16 * hb) - mj;
                }
            }
        }
    }
}
