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
 * Q4_K weights: super-blocks of 256 values in 144 bytes: fp16 {@code d}, fp16 {@code dmin},
 * 12 bytes of 6-bit scales and mins for 8 sub-blocks of 32 (see {@link KScales}), and 128 bytes
 * of 4-bit quants. Quants 0..31 of the 64 values of chunk c (0..3) are the low nibbles of bytes
 * {@code 32c .. 32c+31} (sub-block 2c) and quants 32..63 their high nibbles (sub-block 2c+1).
 * Value i is {@code d * sc_j * q_i - dmin * m_j} for the sub-block j holding it. Activations
 * arrive as Q8_K (as in llama.cpp).
 *
 * <p>Tile block (2432 bytes, 152 per row): the 16 rows' {@code d} and {@code dmin} as floats,
 * scale j of the 16 rows for j = 0..7, mins likewise (one byte each, decoded; see
 * {@link KQuantEnd}), then the 128 quant bytes in 64 pair steps; steps 16c .. 16c + 15 are
 * chunk c.
 *
 * <p>Exact integers (see {@link QuantizedMatrix} for what is computed). With q &le; 15 and
 * |x| &le; 127, a 16-bit lane sums one row's products with one of the two values of each of the
 * 16 pair steps of a chunk, for one nibble: at most 16 * 15 * 127 = 30,480 &lt; 2^15. A
 * sub-block's sum (a lane pair) is at most 60,960; times its scale (&le; 63) and over 8 sub-blocks
 * {@code |S| &le; 30,723,840 &lt; 2^31}. {@code |M| &le; 8 * 63 * 32 * 127 &lt; 2^21}, so
 * {@code float(-M)} is exact; {@code float(S)} rounds when |S| exceeds 2^24, as the definition
 * says.
 */
final class Q4_KMatrix extends QuantizedMatrix {
    private static final int BLOCK = 2432;
    /** Offsets in a tile block; the header before {@link #QS} is {@link KQuantEnd}'s. */
    private static final int SCALES = KQuantEnd.SCALES;
    private static final int QS = KQuantEnd.HEADER;

    Q4_KMatrix(MemorySegment data, int rows, int cols, Arena arena) {
        super(data, rows, cols, arena);
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
    int tileBlockBytes() {
        return BLOCK;
    }

    @Override
    int pairTarget(int k) {
        // Bytes 0-1 d, 2-3 dmin and 4-15 packed scales are converted apart; 16-143 are quants.
        return k < 8 ? -1 : QS + 32 * (k - 8);
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
                for (int c = 0; c < 4; c++) {
                    chunkOne(w, bo, c, r0, pairs, p0 + 128 * b + 32 * c, s.isum);
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
                // Pair e of token u is at p0 + 4e + u; this chunk's are e = 128b + 32c + i.
                for (int c = 0; c < 4; c++) {
                    chunkGroup(w, bo, c, r0, pairs, p0 + 512 * b + 128 * c, s.isum);
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
     * Chunk c (sub-blocks 2c and 2c + 1) of the super-block at {@code bo}, rows {@code r0 ..}
     * of a pass, for the token whose pairs for the chunk start at {@code p}: adds
     * {@code sc_2c isum_2c + sc_2c+1 isum_2c+1} to {@code isum[r0 ..]}. The kernels are cut into
     * such pieces, with only arrays between them, because C2 compiles a method in one piece up
     * to a node count limit, past which it stops inlining and vector operations allocate.
     */
    private static void chunkOne(MemorySegment w, long bo, int c, int r0, int[] pairs, int p, int[] isum) {
        ShortVector nibble = ShortVector.broadcast(S, (short) 15);
        long q = bo + QS + 512 * c + 2 * r0;
        // Pairs of values 64c + 2i (low nibbles) and 64c + 32 + 2i (high nibbles).
        ShortVector lo = ShortVector.zero(S);
        ShortVector hi = lo;
        for (int i = 0; i < 16; i++) {
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, q + 32 * i, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            lo = v.and(nibble).mul(IntVector.broadcast(I, pairs[p + i]).reinterpretAsShorts()).add(lo);
            hi = v.lanewise(VectorOperators.LSHR, 4).mul(IntVector.broadcast(I, pairs[p + 16 + i]).reinterpretAsShorts()).add(hi);
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
     * As {@link #chunkOne}, for the four tokens whose pairs for the chunk start at {@code p}
     * (pair e of token u at {@code p + 4e + u}; low nibbles use e = i, high ones e = 16 + i),
     * adding to {@code isum[16u + r0 ..]}.
     */
    private static void chunkGroup(MemorySegment w, long bo, int c, int r0, int[] pairs, int p, int[] isum) {
        ShortVector nibble = ShortVector.broadcast(S, (short) 15);
        long q = bo + QS + 512 * c + 2 * r0;
        ShortVector l0 = ShortVector.zero(S);
        ShortVector l1 = l0;
        ShortVector l2 = l0;
        ShortVector l3 = l0;
        ShortVector h0 = l0;
        ShortVector h1 = l0;
        ShortVector h2 = l0;
        ShortVector h3 = l0;
        for (int i = 0; i < 16; i++) {
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, q + 32 * i, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            ShortVector lo = v.and(nibble);
            ShortVector hi = v.lanewise(VectorOperators.LSHR, 4);
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
            long bo = rb + (long) b * 144;
            float d = Half.toFloat(data.get(SHORT_LE, bo));
            float dmin = Half.toFloat(data.get(SHORT_LE, bo + 2));
            long sc = KScales.scales(data, bo + 4);
            long m = KScales.mins(data, bo + 4);
            for (int j = 0; j < 8; j++) {
                // As ggml: the sub-block's scale and min are rounded to float first.
                float dj = d * KScales.get(sc, j);
                float mj = dmin * KScales.get(m, j);
                long run = bo + 16 + 32L * (j / 2);
                int shift = 4 * (j & 1);
                int o = off + b * 256 + 32 * j;
                for (int i = 0; i < 32; i++) {
                    int q = (data.get(ValueLayout.JAVA_BYTE, run + i) >>> shift) & 0x0f;
                    dst[o + i] = dj * q - mj;
                }
            }
        }
    }
}
