package dev.mycel.tensor;

/**
 * Plain-Java reference implementations of the dot products, one per weight type, written from
 * the ggml block layouts without any of the kernels' code.
 *
 * <p>Float types use the virtual lanes: lane {@code i % 16} accumulates {@code fma(w_i, x_i,
 * lane)} in index order and {@link Lanes#reduce} combines the lanes. Quantized types follow
 * {@link QuantizedMatrix}'s definition: per block in order, the block's integer sum (computed
 * here in {@code int} or {@code long}, so exact by construction) is added with one
 * {@code fma(float(sum), d_w * d_x, acc)}; Q4_K and Q5_K sum their mins terms
 * {@code fma(float(-M), dmin * d_x, minAcc)} apart and return {@code acc + minAcc}. If a kernel's 16-bit sums overflowed, the tests would see it.
 */
final class ReferenceKernels {
    private ReferenceKernels() {
    }

    /** {@code out[t * rows + r]} for every token t of {@code x} and every row r. */
    static float[] multiply(GgmlType type, byte[] w, int rows, int cols, PreparedActivations x) {
        float[] out = new float[x.rows() * rows];
        for (int t = 0; t < x.rows(); t++) {
            for (int r = 0; r < rows; r++) {
                out[t * rows + r] = dot(type, w, r, cols, x, t);
            }
        }
        return out;
    }

    /** Dot product of weight row r with activation row t. */
    static float dot(GgmlType type, byte[] w, int r, int cols, PreparedActivations x, int t) {
        int ro = (int) (r * type.byteSize(cols));
        return switch (type) {
            case F32, F16, BF16 -> floatDot(type, w, ro, cols, x, t);
            case Q8_0, Q4_0 -> q32Dot(type, w, ro, cols, x, t);
            case Q4_K, Q5_K -> q45kDot(type, w, ro, cols, x, t);
            case Q6_K -> q6kDot(w, ro, cols, x, t);
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    private static float floatDot(GgmlType type, byte[] w, int ro, int cols, PreparedActivations x, int t) {
        float[] lanes = new float[16];
        float[] xv = x.values();
        for (int i = 0; i < cols; i++) {
            float wi = switch (type) {
                case F32 -> Float.intBitsToFloat(i32(w, ro + 4 * i));
                case F16 -> Float.float16ToFloat((short) u16(w, ro + 2 * i));
                default -> Float.intBitsToFloat(u16(w, ro + 2 * i) << 16);
            };
            lanes[i % 16] = Math.fma(wi, xv[t * cols + i], lanes[i % 16]);
        }
        return Lanes.reduce(lanes);
    }

    private static float q32Dot(GgmlType type, byte[] w, int ro, int cols, PreparedActivations x, int t) {
        float acc = 0f;
        for (int b = 0; b < cols / 32; b++) {
            int bo = ro + b * type.bytesPerBlock();
            long isum = 0;
            for (int i = 0; i < 32; i++) {
                int q = type == GgmlType.Q8_0
                        ? w[bo + 2 + i]
                        : (i < 16 ? u8(w, bo + 2 + i) & 15 : u8(w, bo + 2 + i - 16) >>> 4) - 8;
                isum += (long) q * x.quant(t, b * 32 + i);
            }
            acc = Math.fma((float) isum, f16(w, bo) * x.scale(t, b), acc);
        }
        return acc;
    }

    /** get_scale_min_k4, bit by bit. */
    static int kScale(byte[] w, int so, int j) {
        return j < 4 ? u8(w, so + j) & 63 : (u8(w, so + j + 4) & 15) | ((u8(w, so + j - 4) >>> 6) << 4);
    }

    static int kMin(byte[] w, int so, int j) {
        return j < 4 ? u8(w, so + j + 4) & 63 : (u8(w, so + j + 4) >>> 4) | ((u8(w, so + j) >>> 6) << 4);
    }

    /** Quant i (0..255) of a Q4_K or Q5_K super-block at bo. */
    static int kQuant(GgmlType type, byte[] w, int bo, int i) {
        int chunk = i / 64;
        int r = i % 64;
        int qs = type == GgmlType.Q4_K ? 16 : 48;
        int q = (u8(w, bo + qs + 32 * chunk + r % 32) >>> (r < 32 ? 0 : 4)) & 15;
        if (type == GgmlType.Q5_K) {
            q += 16 * ((u8(w, bo + 16 + r % 32) >>> (2 * chunk + r / 32)) & 1);
        }
        return q;
    }

    private static float q45kDot(GgmlType type, byte[] w, int ro, int cols, PreparedActivations x, int t) {
        float acc = 0f;
        float minAcc = 0f;
        for (int b = 0; b < cols / 256; b++) {
            int bo = ro + b * type.bytesPerBlock();
            long scaled = 0;
            long mins = 0;
            for (int j = 0; j < 8; j++) {
                long sub = 0;
                long xsum = 0;
                for (int i = 32 * j; i < 32 * j + 32; i++) {
                    int xi = x.quant(t, b * 256 + i);
                    sub += (long) kQuant(type, w, bo, i) * xi;
                    xsum += xi;
                }
                scaled += kScale(w, bo + 4, j) * sub;
                mins += kMin(w, bo + 4, j) * xsum;
            }
            float dx = x.scale(t, b);
            acc = Math.fma((float) scaled, f16(w, bo) * dx, acc);
            minAcc = Math.fma((float) -mins, f16(w, bo + 2) * dx, minAcc);
        }
        return acc + minAcc;
    }

    /** Quant i (0..255) of a Q6_K super-block at bo, minus 32. */
    static int q6Quant(byte[] w, int bo, int i) {
        int n = i / 128;
        int k = (i % 128) / 32;
        int l = i % 32;
        int low = u8(w, bo + 64 * n + 32 * (k & 1) + l);
        int nibble = k < 2 ? low & 15 : low >>> 4;
        int top = (u8(w, bo + 128 + 32 * n + l) >>> (2 * k)) & 3;
        return (nibble | (top << 4)) - 32;
    }

    private static float q6kDot(byte[] w, int ro, int cols, PreparedActivations x, int t) {
        float acc = 0f;
        for (int b = 0; b < cols / 256; b++) {
            int bo = ro + b * 210;
            long scaled = 0;
            for (int j = 0; j < 16; j++) {
                long sub = 0;
                for (int i = 16 * j; i < 16 * j + 16; i++) {
                    sub += (long) q6Quant(w, bo, i) * x.quant(t, b * 256 + i);
                }
                scaled += w[bo + 192 + j] * sub;
            }
            acc = Math.fma((float) scaled, f16(w, bo + 208) * x.scale(t, b), acc);
        }
        return acc;
    }

    static int u8(byte[] b, int off) {
        return b[off] & 0xff;
    }

    static int u16(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
    }

    static int i32(byte[] b, int off) {
        return u16(b, off) | u16(b, off + 2) << 16;
    }

    static float f16(byte[] b, int off) {
        return Float.float16ToFloat((short) u16(b, off));
    }
}
