package dev.mycel.tensor;

import static dev.mycel.tensor.ReferenceKernels.f16;
import static dev.mycel.tensor.ReferenceKernels.i32;
import static dev.mycel.tensor.ReferenceKernels.u16;
import static dev.mycel.tensor.ReferenceKernels.u8;

/**
 * Straightforward dequantizers transcribed loop by loop from ggml's {@code dequantize_row_*}
 * (ggml-quants.c), with C's float evaluation order, to check each matrix's
 * {@link WeightMatrix#dequantizeRow} against.
 */
final class GgmlDequantizer {
    private GgmlDequantizer() {
    }

    /** Row r of a (rows, cols) matrix of the given type held in {@code w}. */
    static float[] row(GgmlType type, byte[] w, int r, int cols) {
        int ro = (int) (r * type.byteSize(cols));
        float[] y = new float[cols];
        switch (type) {
            case F32 -> {
                for (int i = 0; i < cols; i++) {
                    y[i] = Float.intBitsToFloat(i32(w, ro + 4 * i));
                }
            }
            case F16 -> {
                for (int i = 0; i < cols; i++) {
                    y[i] = f16(w, ro + 2 * i);
                }
            }
            case BF16 -> {
                for (int i = 0; i < cols; i++) {
                    y[i] = Float.intBitsToFloat(u16(w, ro + 2 * i) << 16);
                }
            }
            case Q8_0 -> q8_0(w, ro, y, cols);
            case Q4_0 -> q4_0(w, ro, y, cols);
            case Q4_K -> q4_K(w, ro, y, cols);
            case Q5_K -> q5_K(w, ro, y, cols);
            case Q6_K -> q6_K(w, ro, y, cols);
            default -> throw new IllegalArgumentException(type.toString());
        }
        return y;
    }

    private static void q8_0(byte[] x, int xo, float[] y, int k) {
        for (int i = 0; i < k / 32; i++) {
            int b = xo + i * 34;
            float d = f16(x, b);
            for (int j = 0; j < 32; ++j) {
                y[i * 32 + j] = x[b + 2 + j] * d;
            }
        }
    }

    private static void q4_0(byte[] x, int xo, float[] y, int k) {
        for (int i = 0; i < k / 32; i++) {
            int b = xo + i * 18;
            float d = f16(x, b);
            for (int j = 0; j < 16; ++j) {
                int x0 = (u8(x, b + 2 + j) & 0x0F) - 8;
                int x1 = (u8(x, b + 2 + j) >> 4) - 8;
                y[i * 32 + j] = x0 * d;
                y[i * 32 + j + 16] = x1 * d;
            }
        }
    }

    /** get_scale_min_k4: {scale, min} of sub-block j from the 12 bytes at q. */
    private static int[] scaleMinK4(int j, byte[] x, int q) {
        if (j < 4) {
            return new int[] {u8(x, q + j) & 63, u8(x, q + j + 4) & 63};
        }
        return new int[] {
            (u8(x, q + j + 4) & 0xF) | ((u8(x, q + j - 4) >> 6) << 4),
            (u8(x, q + j + 4) >> 4) | ((u8(x, q + j) >> 6) << 4)
        };
    }

    private static void q4_K(byte[] x, int xo, float[] y, int k) {
        int yi = 0;
        for (int i = 0; i < k / 256; i++) {
            int b = xo + i * 144;
            int q = b + 16;
            float d = f16(x, b);
            float min = f16(x, b + 2);
            int is = 0;
            for (int j = 0; j < 256; j += 64) {
                int[] sm = scaleMinK4(is, x, b + 4);
                float d1 = d * sm[0];
                float m1 = min * sm[1];
                sm = scaleMinK4(is + 1, x, b + 4);
                float d2 = d * sm[0];
                float m2 = min * sm[1];
                for (int l = 0; l < 32; ++l) {
                    y[yi++] = d1 * (u8(x, q + l) & 0xF) - m1;
                }
                for (int l = 0; l < 32; ++l) {
                    y[yi++] = d2 * (u8(x, q + l) >> 4) - m2;
                }
                q += 32;
                is += 2;
            }
        }
    }

    private static void q5_K(byte[] x, int xo, float[] y, int k) {
        int yi = 0;
        for (int i = 0; i < k / 256; i++) {
            int b = xo + i * 176;
            int ql = b + 48;
            int qh = b + 16;
            float d = f16(x, b);
            float min = f16(x, b + 2);
            int is = 0;
            int u1 = 1;
            int u2 = 2;
            for (int j = 0; j < 256; j += 64) {
                int[] sm = scaleMinK4(is, x, b + 4);
                float d1 = d * sm[0];
                float m1 = min * sm[1];
                sm = scaleMinK4(is + 1, x, b + 4);
                float d2 = d * sm[0];
                float m2 = min * sm[1];
                for (int l = 0; l < 32; ++l) {
                    y[yi++] = d1 * ((u8(x, ql + l) & 0xF) + ((u8(x, qh + l) & u1) != 0 ? 16 : 0)) - m1;
                }
                for (int l = 0; l < 32; ++l) {
                    y[yi++] = d2 * ((u8(x, ql + l) >> 4) + ((u8(x, qh + l) & u2) != 0 ? 16 : 0)) - m2;
                }
                ql += 32;
                is += 2;
                u1 <<= 2;
                u2 <<= 2;
            }
        }
    }

    private static void q6_K(byte[] x, int xo, float[] y, int k) {
        int yo = 0;
        for (int i = 0; i < k / 256; i++) {
            int b = xo + i * 210;
            float d = f16(x, b + 208);
            int ql = b;
            int qh = b + 128;
            int sc = b + 192;
            for (int n = 0; n < 256; n += 128) {
                for (int l = 0; l < 32; ++l) {
                    int is = l / 16;
                    int q1 = (byte) ((u8(x, ql + l) & 0xF) | (((u8(x, qh + l) >> 0) & 3) << 4)) - 32;
                    int q2 = (byte) ((u8(x, ql + l + 32) & 0xF) | (((u8(x, qh + l) >> 2) & 3) << 4)) - 32;
                    int q3 = (byte) ((u8(x, ql + l) >> 4) | (((u8(x, qh + l) >> 4) & 3) << 4)) - 32;
                    int q4 = (byte) ((u8(x, ql + l + 32) >> 4) | (((u8(x, qh + l) >> 6) & 3) << 4)) - 32;
                    y[yo + l] = d * x[sc + is] * q1;
                    y[yo + l + 32] = d * x[sc + is + 2] * q2;
                    y[yo + l + 64] = d * x[sc + is + 4] * q3;
                    y[yo + l + 96] = d * x[sc + is + 6] * q4;
                }
                yo += 128;
                ql += 64;
                qh += 32;
                sc += 8;
            }
        }
    }
}
