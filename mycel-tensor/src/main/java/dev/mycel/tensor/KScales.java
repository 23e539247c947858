package dev.mycel.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * The 12 bytes of packed 6-bit sub-block scales and mins in a Q4_K or Q5_K super-block
 * (ggml's {@code get_scale_min_k4}).
 *
 * <p>For sub-blocks j &lt; 4, scale j is the low 6 bits of byte j and min j the low 6 bits of
 * byte j + 4. For j &ge; 4, byte j + 4 holds the low 4 bits (scale in the low nibble, min in the
 * high one) and the top 2 bits of bytes j - 4 (scale) and j (min) hold the high 2 bits. Decoding
 * works on three little-endian ints at once; the 8 values come back packed in a long, byte j
 * holding sub-block j, so that no array is allocated in the kernels' inner loops.
 *
 * <p>{@link #minsTerms} computes the part of a Q4_K or Q5_K dot product that the mins
 * contribute, the same way for both types and every vector width.
 */
final class KScales {
    private KScales() {
    }

    /** The 8 sub-block scales of the packed bytes at {@code off}, byte j of the result = scale j. */
    static long scales(MemorySegment data, long off) {
        int u0 = data.get(WeightMatrix.INT_LE, off);
        int u2 = data.get(WeightMatrix.INT_LE, off + 8);
        int lo = u0 & 0x3f3f3f3f;
        int hi = (u2 & 0x0f0f0f0f) | ((u0 >>> 2) & 0x30303030);
        return (lo & 0xffffffffL) | ((long) hi << 32);
    }

    /** The 8 sub-block mins of the packed bytes at {@code off}, byte j of the result = min j. */
    static long mins(MemorySegment data, long off) {
        int u1 = data.get(WeightMatrix.INT_LE, off + 4);
        int u2 = data.get(WeightMatrix.INT_LE, off + 8);
        int lo = u1 & 0x3f3f3f3f;
        int hi = ((u2 >>> 4) & 0x0f0f0f0f) | ((u1 >>> 2) & 0x30303030);
        return (lo & 0xffffffffL) | ((long) hi << 32);
    }

    /** Value j (0..7) of a packed long. */
    static int get(long packed, int j) {
        return (int) (packed >>> (8 * j)) & 0xff;
    }

    /**
     * The mins terms {@code sum_b fma(M_b, dmin_b * d_x,b, .)} of the Q4_K or Q5_K row whose
     * super-blocks ({@code blockBytes} long, dmin at byte 2, scales at byte 4) start at
     * {@code rowOffset}, for activation rows {@code t .. t+count}, into {@code out[0 .. count)}:
     * per activation row one float accumulator, one fma per super-block, in block order.
     *
     * <p>{@code M_b = sum_j m_j (bsum_2j + bsum_2j+1) = sum_l m_(l/2) bsum_l} is an exact integer:
     * every min is below 64 and every bsum at most 16 * 128 in magnitude, so all partial sums stay
     * below 2^21. It is therefore computed with 4-lane vectors in any order (the same bits on
     * every machine), which costs a fraction of a scalar loop.
     */
    static void minsTerms(MemorySegment data, long rowOffset, int blockBytes, int blocks,
                          PreparedActivations x, int t, int count, float[] out) {
        float[] xs = x.scales();
        float[] bs = x.sums();
        int sums = blocks * 16;
        for (int k = 0; k < count; k++) {
            out[k] = 0f;
        }
        for (int b = 0; b < blocks; b++) {
            long bo = rowOffset + (long) b * blockBytes;
            // Scale bytes 4..7 and 8..11 as ints: mins 0..3 are the low 6 bits of the first
            // four; mins 4..7 are the high nibbles of the second four plus the top 2 bits of
            // the first four. Each min then goes to the two lanes of its two bsums.
            ByteVector raw = ByteVector.fromMemorySegment(ByteVector.SPECIES_128, data, bo + 4, ByteOrder.LITTLE_ENDIAN);
            IntVector a = (IntVector) raw.convertShape(VectorOperators.ZERO_EXTEND_B2I, IntVector.SPECIES_128, 1);
            IntVector c = (IntVector) raw.convertShape(VectorOperators.ZERO_EXTEND_B2I, IntVector.SPECIES_128, 2);
            IntVector low = a.and(63);
            IntVector high = c.lanewise(VectorOperators.LSHR, 4).or(a.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4));
            FloatVector m0 = (FloatVector) low.rearrange(FIRST_PAIR).convert(VectorOperators.I2F, 0);
            FloatVector m1 = (FloatVector) low.rearrange(SECOND_PAIR).convert(VectorOperators.I2F, 0);
            FloatVector m2 = (FloatVector) high.rearrange(FIRST_PAIR).convert(VectorOperators.I2F, 0);
            FloatVector m3 = (FloatVector) high.rearrange(SECOND_PAIR).convert(VectorOperators.I2F, 0);
            float dmin = Half.toFloat(data.get(WeightMatrix.SHORT_LE, bo + 2));
            for (int k = 0; k < count; k++) {
                int tk = t + k;
                int o = tk * sums + b * 16;
                FloatVector p = m0.mul(FloatVector.fromArray(FloatVector.SPECIES_128, bs, o));
                p = m1.fma(FloatVector.fromArray(FloatVector.SPECIES_128, bs, o + 4), p);
                p = m2.fma(FloatVector.fromArray(FloatVector.SPECIES_128, bs, o + 8), p);
                p = m3.fma(FloatVector.fromArray(FloatVector.SPECIES_128, bs, o + 12), p);
                float mb = p.reduceLanes(VectorOperators.ADD);
                out[k] = Math.fma(mb, dmin * xs[tk * blocks + b], out[k]);
            }
        }
    }

    private static final VectorShuffle<Integer> FIRST_PAIR = VectorShuffle.fromValues(IntVector.SPECIES_128, 0, 0, 1, 1);
    private static final VectorShuffle<Integer> SECOND_PAIR = VectorShuffle.fromValues(IntVector.SPECIES_128, 2, 2, 3, 3);
}
