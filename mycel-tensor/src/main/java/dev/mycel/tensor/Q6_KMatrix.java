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
 * Q6_K weights: super-blocks of 256 values in 210 bytes: 128 bytes {@code ql} of low 4 bits,
 * 64 bytes {@code qh} of high 2 bits, 16 signed 8-bit scales (one per sub-block of 16) and an
 * fp16 {@code d}. In half n (values {@code 128n .. 128n+127}) with {@code ql' = ql + 64n},
 * {@code qh' = qh + 32n} and l &lt; 32, the quants of values {@code 128n + 32k + l} for k = 0..3
 * are the low nibble of {@code ql'[l]}, the low nibble of {@code ql'[l+32]}, the high nibble of
 * {@code ql'[l]} and the high nibble of {@code ql'[l+32]}, each with bits {@code 2k, 2k+1} of
 * {@code qh'[l]} on top. Value i is {@code d * sc_(i/16) * (q_i - 32)}. Activations arrive as
 * Q8_K.
 *
 * <p>Tile block (3392 bytes, 212 per row): the 16 rows' {@code d} as floats (see
 * {@link KQuantEnd}), scale j of the 16 rows for j = 0..15, then the quants in the order the
 * kernels read them, so that they stream through memory in one pass (with {@code ql} and
 * {@code qh} in separate regions the kernel read at 5.7 GB/s from memory against 12 from
 * cache): 4 runs of 8 steps, run h = 2n + g covering {@code l = 16g .. 16g + 15} of half n. A
 * step holds, for l = 16g + 2i + e, e = 0 and 1, the four 6-bit quants q1 .. q4 of values
 * {@code 128n + l + 32k} (k = 0..3, sub-blocks {@code 8n + g + 2k}), re-encoded into three
 * bytes that take fewer operations to decode than ggml's nibbles and 2-bit fields: {@code q1}
 * with the top two bits of {@code q3} above it, {@code q2} with those of {@code q4}, and the
 * low nibbles of {@code q3} and {@code q4}. Each kind of byte is a pair step (32 bytes).
 *
 * <p>Exact integers. A 16-bit lane sums one row's {@code q x} over one value of each of the 8
 * steps of a run (q in [0, 63] as stored), then subtracts {@code 32 * sum x} over the same 8
 * values ({@link PreparedActivations}' offsets), leaving {@code sum (q - 32) x}. The first sum
 * can exceed 16 bits, but lane arithmetic wraps modulo 2^16, and the result lies in
 * [-8 * 32 * 127, 8 * 31 * 127], within a signed 16-bit lane (this is where |x| &le; 127
 * matters: with -128 it could reach -2^15 - 256), so the wrapped value is the exact one; this
 * saves a subtraction per quant. A sub-block's sum is then at most 16 * 32 * 127 = 65,024;
 * times its scale (|sc| &le; 128) over 16 sub-blocks, {@code |S| &le; 133,169,152 &lt; 2^31}.
 */
final class Q6_KMatrix extends QuantizedMatrix {
    private static final int BLOCK = 3392;
    /** Offsets in a tile block; {@code d} is at {@link KQuantEnd#D}. */
    private static final int SCALES = 64;
    private static final int QS = 320;
    /** Bytes of one step: three pair steps of re-encoded quants. */
    private static final int STEP = 96;

    Q6_KMatrix(MemorySegment data, int rows, int cols, Arena arena) {
        super(data, rows, cols, arena);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
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
        // Everything is converted or re-encoded in repackScales.
        return -1;
    }

    @Override
    void repackScales(byte[] src, int rowBytes, int srcBlock, byte[] dst, int dstOff) {
        KQuantEnd.halvesAsFloats(src, rowBytes, srcBlock + 208, dst, dstOff + KQuantEnd.D);
        interleaveBytes(src, rowBytes, srcBlock + 192, 16, dst, dstOff + SCALES);
        for (int r = 0; r < ROWS; r++) {
            for (int n = 0; n < 2; n++) {
                int ql = r * rowBytes + srcBlock + 64 * n;
                int qh = r * rowBytes + srcBlock + 128 + 32 * n;
                for (int l = 0; l < 32; l++) {
                    // a: low nibbles of q1 and q3; b: of q2 and q4; h: their top two bits.
                    int a = src[ql + l] & 0xff;
                    int b = src[ql + l + 32] & 0xff;
                    int h = src[qh + l] & 0xff;
                    int step = dstOff + QS + STEP * (8 * (2 * n + l / 16) + (l % 16) / 2) + 2 * r + (l & 1);
                    dst[step] = (byte) ((a & 15) | (h & 3) << 4 | (h & 0x30) << 2);
                    dst[step + 32] = (byte) ((b & 15) | (h & 0x0c) << 2 | (h & 0xc0));
                    dst[step + 64] = (byte) (a >>> 4 | (b & 0xf0));
                }
            }
        }
    }

    @Override
    void multiplyOne(MemorySegment w, long tile, PreparedActivations x, int t, Scratch s) {
        int[] pairs = x.pairs();
        int[] offsets = x.offsets();
        float[] xs = x.scales();
        int nb = blocks;
        int p0 = t * (cols / 2);
        int o0 = t * (cols / 16);
        int s0 = t * nb;
        for (int pass = 0; pass < PASSES; pass++) {
            int r0 = pass * W;
            Arrays.fill(s.acc, r0, r0 + W, 0f);
            for (int b = 0; b < nb; b++) {
                long bo = tile + (long) b * BLOCK;
                Arrays.fill(s.isum, r0, r0 + W, 0);
                for (int h = 0; h < 4; h++) {
                    runOne(w, bo, h, r0, pairs, p0 + 128 * b, offsets, o0 + 16 * b, s.isum);
                }
                KQuantEnd.scaledOne(w, bo, r0, xs[s0 + b], s);
            }
        }
    }

    /**
     * Run {@code h} of the super-block at {@code bo}, rows {@code r0 ..} of a pass, for the
     * token whose pairs for the super-block start at {@code p}: adds {@code sum_j sc_j isum_j}
     * over the run's four sub-blocks to {@code isum[r0 ..]}. The kernels are cut into such
     * pieces, with only arrays between them, because C2 compiles a method in one piece up to a
     * node count limit, past which it stops inlining and vector operations allocate.
     */
    private static void runOne(MemorySegment w, long bo, int h, int r0, int[] pairs, int p, int[] offsets, int o,
                               int[] isum) {
        ShortVector six = ShortVector.broadcast(S, (short) 63);
        ShortVector nibble = ShortVector.broadcast(S, (short) 15);
        int n = h >> 1;
        int g = h & 1;
        long q = bo + QS + STEP * 8 * h + 2 * r0;
        // Values 128n + 16g + 2i (+ 32k for the k-th quant) form pair 64n + 8g + i (+ 16k).
        int pr = p + 64 * n + 8 * g;
        ShortVector a1 = ShortVector.zero(S);
        ShortVector a2 = a1;
        ShortVector a3 = a1;
        ShortVector a4 = a1;
        for (int i = 0; i < 8; i++) {
            ShortVector v0 = (ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, q + STEP * i, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            ShortVector v1 = (ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, q + STEP * i + 32, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            ShortVector v2 = (ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, q + STEP * i + 64, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            // A 16-bit lane holds one byte, so a 16-bit shift right leaves zeros above the byte's
            // bits. q3: bits 4-5 are bits 6-7 of v0 (shifted down by 2, with nothing above), and
            // the blend puts the low nibble of v2 into bits 0-3; q4 likewise from v1 and the high
            // nibble of v2. With AVX-512, C2 can compile a blend (xor, and, xor in the Vector
            // API) to one vpternlog, where mask, mask and or took more: the decode went from 11
            // operations to 7, and Q6_K products got 5-10 % faster (docs/BENCHMARKS.md).
            ShortVector q1 = v0.and(six);
            ShortVector q2 = v1.and(six);
            ShortVector q3 = v0.lanewise(VectorOperators.LSHR, 2).lanewise(VectorOperators.BITWISE_BLEND, v2, nibble);
            ShortVector q4 = v1.lanewise(VectorOperators.LSHR, 2)
                    .lanewise(VectorOperators.BITWISE_BLEND, v2.lanewise(VectorOperators.LSHR, 4), nibble);
            int e = pr + i;
            a1 = q1.mul(IntVector.broadcast(I, pairs[e]).reinterpretAsShorts()).add(a1);
            a2 = q2.mul(IntVector.broadcast(I, pairs[e + 16]).reinterpretAsShorts()).add(a2);
            a3 = q3.mul(IntVector.broadcast(I, pairs[e + 32]).reinterpretAsShorts()).add(a3);
            a4 = q4.mul(IntVector.broadcast(I, pairs[e + 48]).reinterpretAsShorts()).add(a4);
        }
        // Take off the offset of 32: the 16-bit sums wrapped, but what remains fits (see the class).
        int j = o + 8 * n + g;
        long sc = bo + SCALES + 16 * (8 * n + g) + r0;
        IntVector v1 = a1.sub(IntVector.broadcast(I, offsets[j]).reinterpretAsShorts()).reinterpretAsInts();
        IntVector v2 = a2.sub(IntVector.broadcast(I, offsets[j + 2]).reinterpretAsShorts()).reinterpretAsInts();
        IntVector v3 = a3.sub(IntVector.broadcast(I, offsets[j + 4]).reinterpretAsShorts()).reinterpretAsInts();
        IntVector v4 = a4.sub(IntVector.broadcast(I, offsets[j + 6]).reinterpretAsShorts()).reinterpretAsInts();
        IntVector.fromArray(I, isum, r0)
                .add(v1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(v1.lanewise(VectorOperators.ASHR, 16))
                        .mul((IntVector) ByteVector.fromMemorySegment(ROW_BYTES, w, sc, LE)
                                .convertShape(VectorOperators.B2I, I, 0)))
                .add(v2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(v2.lanewise(VectorOperators.ASHR, 16))
                        .mul((IntVector) ByteVector.fromMemorySegment(ROW_BYTES, w, sc + 32, LE)
                                .convertShape(VectorOperators.B2I, I, 0)))
                .add(v3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(v3.lanewise(VectorOperators.ASHR, 16))
                        .mul((IntVector) ByteVector.fromMemorySegment(ROW_BYTES, w, sc + 64, LE)
                                .convertShape(VectorOperators.B2I, I, 0)))
                .add(v4.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                        .add(v4.lanewise(VectorOperators.ASHR, 16))
                        .mul((IntVector) ByteVector.fromMemorySegment(ROW_BYTES, w, sc + 96, LE)
                                .convertShape(VectorOperators.B2I, I, 0)))
                .intoArray(isum, r0);
    }

    /** Four tokens share each decoded weight vector; the runs are cut as in {@link #multiplyOne}. */
    @Override
    void multiplyGroup(MemorySegment w, long tile, PreparedActivations x, int t, Scratch s) {
        int[] pairs = x.pairs();
        int[] offsets = x.offsets();
        float[] xs = x.scales();
        int nb = blocks;
        int p0 = t * (cols / 2);
        int o0 = t * (cols / 16);
        int s0 = t * nb;
        for (int pass = 0; pass < PASSES; pass++) {
            int r0 = pass * W;
            for (int u = 0; u < 4; u++) {
                Arrays.fill(s.acc, u * ROWS + r0, u * ROWS + r0 + W, 0f);
            }
            for (int b = 0; b < nb; b++) {
                long bo = tile + (long) b * BLOCK;
                for (int u = 0; u < 4; u++) {
                    Arrays.fill(s.isum, u * ROWS + r0, u * ROWS + r0 + W, 0);
                }
                for (int h = 0; h < 4; h++) {
                    runGroup(w, bo, h, r0, pairs, p0 + 4 * 128 * b, offsets, o0 + 4 * 16 * b, s.isum);
                }
                KQuantEnd.scaledGroup(w, bo, r0, xs, s0 + 4 * b, s);
            }
        }
    }

    /**
     * Run {@code h} of the super-block at {@code bo}, rows {@code r0 ..} of a pass, for the four
     * tokens whose pairs for the super-block start at {@code p}: adds {@code sum_j sc_j * isum_j}
     * over the run's four sub-blocks to {@code isum[16u + r0 ..]} for token u.
     */
    private static void runGroup(MemorySegment w, long bo, int h, int r0, int[] pairs, int p, int[] offsets, int o,
                                 int[] isum) {
        ShortVector six = ShortVector.broadcast(S, (short) 63);
        ShortVector nibble = ShortVector.broadcast(S, (short) 15);
        int n = h >> 1;
        int g = h & 1;
        long q = bo + QS + STEP * 8 * h + 2 * r0;
        // Pair e of token u is at p + 4e + u, with e = 64n + 8g + i + 16k for the k-th quant of step i.
        int pr = p + 4 * (64 * n + 8 * g);
        ShortVector a0 = ShortVector.zero(S);
        ShortVector a1 = a0;
        ShortVector a2 = a0;
        ShortVector a3 = a0;
        ShortVector b0 = a0;
        ShortVector b1 = a0;
        ShortVector b2 = a0;
        ShortVector b3 = a0;
        ShortVector c0 = a0;
        ShortVector c1 = a0;
        ShortVector c2 = a0;
        ShortVector c3 = a0;
        ShortVector d0 = a0;
        ShortVector d1 = a0;
        ShortVector d2 = a0;
        ShortVector d3 = a0;
        for (int i = 0; i < 8; i++) {
            ShortVector v0 = (ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, q + STEP * i, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            ShortVector v1 = (ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, q + STEP * i + 32, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            ShortVector v2 = (ShortVector) ByteVector.fromMemorySegment(PAIR_BYTES, w, q + STEP * i + 64, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
            // Decoded as in runOne.
            ShortVector q1 = v0.and(six);
            ShortVector q2 = v1.and(six);
            ShortVector q3 = v0.lanewise(VectorOperators.LSHR, 2).lanewise(VectorOperators.BITWISE_BLEND, v2, nibble);
            ShortVector q4 = v1.lanewise(VectorOperators.LSHR, 2)
                    .lanewise(VectorOperators.BITWISE_BLEND, v2.lanewise(VectorOperators.LSHR, 4), nibble);
            int e = pr + 4 * i;
            a0 = q1.mul(IntVector.broadcast(I, pairs[e]).reinterpretAsShorts()).add(a0);
            a1 = q1.mul(IntVector.broadcast(I, pairs[e + 1]).reinterpretAsShorts()).add(a1);
            a2 = q1.mul(IntVector.broadcast(I, pairs[e + 2]).reinterpretAsShorts()).add(a2);
            a3 = q1.mul(IntVector.broadcast(I, pairs[e + 3]).reinterpretAsShorts()).add(a3);
            b0 = q2.mul(IntVector.broadcast(I, pairs[e + 64]).reinterpretAsShorts()).add(b0);
            b1 = q2.mul(IntVector.broadcast(I, pairs[e + 65]).reinterpretAsShorts()).add(b1);
            b2 = q2.mul(IntVector.broadcast(I, pairs[e + 66]).reinterpretAsShorts()).add(b2);
            b3 = q2.mul(IntVector.broadcast(I, pairs[e + 67]).reinterpretAsShorts()).add(b3);
            c0 = q3.mul(IntVector.broadcast(I, pairs[e + 128]).reinterpretAsShorts()).add(c0);
            c1 = q3.mul(IntVector.broadcast(I, pairs[e + 129]).reinterpretAsShorts()).add(c1);
            c2 = q3.mul(IntVector.broadcast(I, pairs[e + 130]).reinterpretAsShorts()).add(c2);
            c3 = q3.mul(IntVector.broadcast(I, pairs[e + 131]).reinterpretAsShorts()).add(c3);
            d0 = q4.mul(IntVector.broadcast(I, pairs[e + 192]).reinterpretAsShorts()).add(d0);
            d1 = q4.mul(IntVector.broadcast(I, pairs[e + 193]).reinterpretAsShorts()).add(d1);
            d2 = q4.mul(IntVector.broadcast(I, pairs[e + 194]).reinterpretAsShorts()).add(d2);
            d3 = q4.mul(IntVector.broadcast(I, pairs[e + 195]).reinterpretAsShorts()).add(d3);
        }
        // Take off the offset of 32: the 16-bit sums wrapped, but what remains fits (see the
        // class). Sub-block j's offsets for token u are at o + 4j + u.
        int j = o + 4 * (8 * n + g);
        a0 = a0.sub(IntVector.broadcast(I, offsets[j]).reinterpretAsShorts());
        a1 = a1.sub(IntVector.broadcast(I, offsets[j + 1]).reinterpretAsShorts());
        a2 = a2.sub(IntVector.broadcast(I, offsets[j + 2]).reinterpretAsShorts());
        a3 = a3.sub(IntVector.broadcast(I, offsets[j + 3]).reinterpretAsShorts());
        b0 = b0.sub(IntVector.broadcast(I, offsets[j + 8]).reinterpretAsShorts());
        b1 = b1.sub(IntVector.broadcast(I, offsets[j + 9]).reinterpretAsShorts());
        b2 = b2.sub(IntVector.broadcast(I, offsets[j + 10]).reinterpretAsShorts());
        b3 = b3.sub(IntVector.broadcast(I, offsets[j + 11]).reinterpretAsShorts());
        c0 = c0.sub(IntVector.broadcast(I, offsets[j + 16]).reinterpretAsShorts());
        c1 = c1.sub(IntVector.broadcast(I, offsets[j + 17]).reinterpretAsShorts());
        c2 = c2.sub(IntVector.broadcast(I, offsets[j + 18]).reinterpretAsShorts());
        c3 = c3.sub(IntVector.broadcast(I, offsets[j + 19]).reinterpretAsShorts());
        d0 = d0.sub(IntVector.broadcast(I, offsets[j + 24]).reinterpretAsShorts());
        d1 = d1.sub(IntVector.broadcast(I, offsets[j + 25]).reinterpretAsShorts());
        d2 = d2.sub(IntVector.broadcast(I, offsets[j + 26]).reinterpretAsShorts());
        d3 = d3.sub(IntVector.broadcast(I, offsets[j + 27]).reinterpretAsShorts());
        long sc = bo + SCALES + 16 * (8 * n + g) + r0;
        IntVector s1 = (IntVector) ByteVector.fromMemorySegment(ROW_BYTES, w, sc, LE).convertShape(VectorOperators.B2I, I, 0);
        IntVector s2 = (IntVector) ByteVector.fromMemorySegment(ROW_BYTES, w, sc + 32, LE).convertShape(VectorOperators.B2I, I, 0);
        IntVector s3 = (IntVector) ByteVector.fromMemorySegment(ROW_BYTES, w, sc + 64, LE).convertShape(VectorOperators.B2I, I, 0);
        IntVector s4 = (IntVector) ByteVector.fromMemorySegment(ROW_BYTES, w, sc + 96, LE).convertShape(VectorOperators.B2I, I, 0);
        IntVector v1 = a0.reinterpretAsInts();
        IntVector v2 = b0.reinterpretAsInts();
        IntVector v3 = c0.reinterpretAsInts();
        IntVector v4 = d0.reinterpretAsInts();
        IntVector.fromArray(I, isum, r0)
                .add(v1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v1.lanewise(VectorOperators.ASHR, 16)).mul(s1))
                .add(v2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v2.lanewise(VectorOperators.ASHR, 16)).mul(s2))
                .add(v3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v3.lanewise(VectorOperators.ASHR, 16)).mul(s3))
                .add(v4.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v4.lanewise(VectorOperators.ASHR, 16)).mul(s4))
                .intoArray(isum, r0);
        v1 = a1.reinterpretAsInts();
        v2 = b1.reinterpretAsInts();
        v3 = c1.reinterpretAsInts();
        v4 = d1.reinterpretAsInts();
        IntVector.fromArray(I, isum, ROWS + r0)
                .add(v1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v1.lanewise(VectorOperators.ASHR, 16)).mul(s1))
                .add(v2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v2.lanewise(VectorOperators.ASHR, 16)).mul(s2))
                .add(v3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v3.lanewise(VectorOperators.ASHR, 16)).mul(s3))
                .add(v4.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v4.lanewise(VectorOperators.ASHR, 16)).mul(s4))
                .intoArray(isum, ROWS + r0);
        v1 = a2.reinterpretAsInts();
        v2 = b2.reinterpretAsInts();
        v3 = c2.reinterpretAsInts();
        v4 = d2.reinterpretAsInts();
        IntVector.fromArray(I, isum, 2 * ROWS + r0)
                .add(v1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v1.lanewise(VectorOperators.ASHR, 16)).mul(s1))
                .add(v2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v2.lanewise(VectorOperators.ASHR, 16)).mul(s2))
                .add(v3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v3.lanewise(VectorOperators.ASHR, 16)).mul(s3))
                .add(v4.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v4.lanewise(VectorOperators.ASHR, 16)).mul(s4))
                .intoArray(isum, 2 * ROWS + r0);
        v1 = a3.reinterpretAsInts();
        v2 = b3.reinterpretAsInts();
        v3 = c3.reinterpretAsInts();
        v4 = d3.reinterpretAsInts();
        IntVector.fromArray(I, isum, 3 * ROWS + r0)
                .add(v1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v1.lanewise(VectorOperators.ASHR, 16)).mul(s1))
                .add(v2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v2.lanewise(VectorOperators.ASHR, 16)).mul(s2))
                .add(v3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v3.lanewise(VectorOperators.ASHR, 16)).mul(s3))
                .add(v4.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(v4.lanewise(VectorOperators.ASHR, 16)).mul(s4))
                .intoArray(isum, 3 * ROWS + r0);
    }

    @Override
    public void dequantizeRow(int r, float[] dst, int off) {
        long rb = r * rowBytes;
        for (int b = 0; b < cols / 256; b++) {
            long bo = rb + (long) b * 210;
            float d = Half.toFloat(data.get(SHORT_LE, bo + 208));
            for (int i = 0; i < 256; i++) {
                int n = i / 128;
                int k = (i % 128) / 32;
                int l = i % 32;
                int low = data.get(ValueLayout.JAVA_BYTE, bo + 64 * n + 32 * (k & 1) + l) & 0xff;
                int nibble = k < 2 ? low & 0x0f : low >>> 4;
                int top = (data.get(ValueLayout.JAVA_BYTE, bo + 128 + 32 * n + l) >>> (2 * k)) & 3;
                int sc = data.get(ValueLayout.JAVA_BYTE, bo + 192 + i / 16);
                // As ggml: d * sc rounds to float first, then the product with the quant.
                dst[off + b * 256 + i] = d * sc * ((nibble | top << 4) - 32);
            }
        }
    }
}
