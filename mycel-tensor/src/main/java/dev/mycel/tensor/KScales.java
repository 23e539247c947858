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
 * holding sub-block j, so that no array is allocated.
 */
final class KScales {
    private KScales() {
    }

    /** The 8 sub-block scales of the packed bytes at {@code off}, byte j of the result = scale j. */
    static long scales(MemorySegment data, long off) {
        return scales(data.get(WeightMatrix.INT_LE, off), data.get(WeightMatrix.INT_LE, off + 8));
    }

    /** The 8 sub-block mins of the packed bytes at {@code off}, byte j of the result = min j. */
    static long mins(MemorySegment data, long off) {
        return mins(data.get(WeightMatrix.INT_LE, off + 4), data.get(WeightMatrix.INT_LE, off + 8));
    }

    /** As {@link #scales(MemorySegment, long)}, from a byte array. */
    static long scales(byte[] b, int off) {
        return scales(intAt(b, off), intAt(b, off + 8));
    }

    /** As {@link #mins(MemorySegment, long)}, from a byte array. */
    static long mins(byte[] b, int off) {
        return mins(intAt(b, off + 4), intAt(b, off + 8));
    }

    /**
     * Decodes the packed scales and mins of 16 rows' super-blocks (row r's 12 bytes at
     * {@code src[r * rowBytes + srcOff]}) into one byte per value: scale j of row r to
     * {@code dst[scalesOff + 16j + r]}, min j to {@code dst[minsOff + 16j + r]}.
     */
    static void interleave(byte[] src, int rowBytes, int srcOff, byte[] dst, int scalesOff, int minsOff) {
        for (int r = 0; r < QuantizedMatrix.ROWS; r++) {
            long sc = scales(src, r * rowBytes + srcOff);
            long m = mins(src, r * rowBytes + srcOff);
            for (int j = 0; j < 8; j++) {
                dst[scalesOff + 16 * j + r] = (byte) get(sc, j);
                dst[minsOff + 16 * j + r] = (byte) get(m, j);
            }
        }
    }

    /** Value j (0..7) of a packed long. */
    static int get(long packed, int j) {
        return (int) (packed >>> (8 * j)) & 0xff;
    }

    private static long scales(int u0, int u2) {
        int lo = u0 & 0x3f3f3f3f;
        int hi = (u2 & 0x0f0f0f0f) | ((u0 >>> 2) & 0x30303030);
        return (lo & 0xffffffffL) | ((long) hi << 32);
    }

    private static long mins(int u1, int u2) {
        int lo = u1 & 0x3f3f3f3f;
        int hi = ((u2 >>> 4) & 0x0f0f0f0f) | ((u1 >>> 2) & 0x30303030);
        return (lo & 0xffffffffL) | ((long) hi << 32);
    }

    private static int intAt(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }
}
