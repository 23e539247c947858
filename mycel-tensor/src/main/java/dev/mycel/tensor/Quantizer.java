package dev.mycel.tensor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Converts float values into ggml storage types exactly as llama.cpp does when it writes model
 * files without an importance matrix ({@code quantize_row_q8_0_ref}, {@code quantize_row_q4_0_ref},
 * and round-to-nearest-even fp16 and bfloat16), so that a tensor converted here has the bytes
 * {@code llama-quantize} would write. Output is the little-endian block layout of a GGUF file.
 */
public final class Quantizer {
    private static final VarHandle SHORT_LE =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private Quantizer() {
    }

    /** Whether {@link #quantize} can produce this type. */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0 -> true;
            default -> false;
        };
    }

    /** {@code values} converted to {@code type}; the count must be a whole number of blocks. */
    public static byte[] quantize(GgmlType type, float[] values) {
        byte[] out = new byte[Math.toIntExact(type.byteSize(values.length))];
        quantize(type, values, 0, values.length, out, 0);
        return out;
    }

    /**
     * Converts {@code src[srcOff .. srcOff + count)} to {@code type}, writing
     * {@code type.byteSize(count)} bytes at {@code dst[dstOff]}.
     */
    public static void quantize(GgmlType type, float[] src, int srcOff, int count, byte[] dst, int dstOff) {
        if (!supports(type)) {
            throw new IllegalArgumentException("cannot quantize to " + type + "; supported: F32, F16, BF16, Q8_0, Q4_0");
        }
        long bytes = type.byteSize(count);
        Objects.checkFromIndexSize(srcOff, count, src.length);
        Objects.checkFromIndexSize(dstOff, bytes, dst.length);
        switch (type) {
            case F32 -> {
                for (int i = 0; i < count; i++) {
                    INT_LE.set(dst, dstOff + 4 * i, Float.floatToRawIntBits(src[srcOff + i]));
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    SHORT_LE.set(dst, dstOff + 2 * i, Float.floatToFloat16(src[srcOff + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    SHORT_LE.set(dst, dstOff + 2 * i, Half.floatToBf16(src[srcOff + i]));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < count / 32; b++) {
                    q8_0Block(src, srcOff + 32 * b, dst, dstOff + 34 * b);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < count / 32; b++) {
                    q4_0Block(src, srcOff + 32 * b, dst, dstOff + 18 * b);
                }
            }
            default -> throw new AssertionError(type);
        }
    }

    /**
     * quantize_row_q8_0_ref: {@code d = amax / 127}, stored as fp16; {@code q = roundf(x / d)}
     * computed as {@code x * (1 / d)} with the float d (not its fp16 rounding).
     */
    static void q8_0Block(float[] x, int xo, byte[] y, int yo) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[xo + j]));
        }
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        SHORT_LE.set(y, yo, Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) {
            y[yo + 2 + j] = (byte) roundHalfAway(x[xo + j] * id);
        }
    }

    /**
     * quantize_row_q4_0_ref: the value of largest magnitude {@code max} (the first one on ties)
     * sets {@code d = max / -8}; {@code q = min(15, (int) (x / d + 8.5))}, truncating, with the
     * float {@code 1 / d}. Value j goes to the low nibble of byte j, value j + 16 to its high one.
     */
    static void q4_0Block(float[] x, int xo, byte[] y, int yo) {
        // The C loop keeps the first value whose magnitude beats all before it; finding the
        // largest magnitude first and then its first holder gives the same value without a
        // hard-to-predict branch per element.
        float amax = 0f;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[xo + j]));
        }
        float max = 0f;
        if (amax > 0f) {
            int j = 0;
            while (Math.abs(x[xo + j]) != amax) {
                j++;
            }
            max = x[xo + j];
        }
        float d = max / -8f;
        float id = d != 0f ? 1f / d : 0f;
        SHORT_LE.set(y, yo, Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (int) (x[xo + j] * id + 8.5f));
            int q1 = Math.min(15, (int) (x[xo + 16 + j] * id + 8.5f));
            y[yo + 2 + j] = (byte) (q0 | (q1 << 4));
        }
    }

    /**
     * C's roundf for |v| &lt; 2^31: to nearest, halfway cases away from zero. {@code |v| + 0.5} is
     * exact in double, and truncating a non-negative double is its floor.
     */
    static int roundHalfAway(float v) {
        int r = (int) (Math.abs((double) v) + 0.5);
        return v < 0 ? -r : r;
    }
}
