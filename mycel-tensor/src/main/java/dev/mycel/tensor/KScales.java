package dev.mycel.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The 12 bytes of packed 6-bit sub-block scales and mins in a Q4_K or Q5_K super-block
 * (ggml's {@code get_scale_min_k4}).
 *
 * <p>For sub-blocks j &lt; 4, scale j is the low 6 bits of byte j and min j the low 6 bits of
 * byte j + 4. For j &ge; 4, byte j + 4 holds the low 4 bits (scale in the low nibble, min in the
 * high one) and the top 2 bits of bytes j - 4 (scale) and j (min) hold the high 2 bits. Decoding
 * works on three little-endian ints at once; the 8 values come back packed in a long, byte j
 * holding sub-block j, so that no array is allocated in the kernels' inner loops.
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
     * {@code sum_j min_j * (bsum[2j] + bsum[2j+1])} for one super-block, where {@code bsums}
     * holds the 16 Q8_K sums of 16 activations from {@code off}. Every min is below 64 and every
     * sum of 32 activations at most 32 * 128 in magnitude, so the result stays below 2^21: exact
     * as an int and as a float.
     */
    static int minsDot(long mins, float[] bsums, int off) {
        int s = 0;
        for (int j = 0; j < 8; j++) {
            s += get(mins, j) * ((int) bsums[off + 2 * j] + (int) bsums[off + 2 * j + 1]);
        }
        return s;
    }
}
