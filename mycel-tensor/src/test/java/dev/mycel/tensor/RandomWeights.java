package dev.mycel.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/**
 * Random weight matrices for kernel tests: random bytes for the quants of every block, with
 * fp16 scales overwritten by sane values (random sign, magnitudes from 2^-14 to 2^-4, normal
 * fp16 numbers), and random finite values for the float types.
 */
final class RandomWeights {
    private RandomWeights() {
    }

    /** {@code rows x cols} weights of {@code type} as the bytes a GGUF file would hold. */
    static byte[] matrix(GgmlType type, int rows, int cols, Random rnd) {
        int rowBytes = (int) type.byteSize(cols);
        byte[] b = new byte[rows * rowBytes];
        switch (type) {
            case F32 -> {
                for (int i = 0; i < rows * cols; i++) {
                    putInt(b, 4 * i, Float.floatToRawIntBits((float) (rnd.nextGaussian() * 0.5)));
                }
            }
            case F16 -> {
                for (int i = 0; i < rows * cols; i++) {
                    putShort(b, 2 * i, Float.floatToFloat16((float) (rnd.nextGaussian() * 0.5)));
                }
            }
            case BF16 -> {
                for (int i = 0; i < rows * cols; i++) {
                    putShort(b, 2 * i, Half.floatToBf16((float) (rnd.nextGaussian() * 0.5)));
                }
            }
            case Q8_0, Q4_0, Q4_K, Q5_K, Q6_K -> {
                rnd.nextBytes(b);
                int blocks = rows * cols / type.blockSize();
                for (int k = 0; k < blocks; k++) {
                    int bo = k * type.bytesPerBlock();
                    switch (type) {
                        case Q8_0, Q4_0 -> putShort(b, bo, scale(rnd));
                        case Q4_K, Q5_K -> {
                            putShort(b, bo, scale(rnd));
                            putShort(b, bo + 2, scale(rnd));
                        }
                        case Q6_K -> putShort(b, bo + 208, scale(rnd));
                        default -> throw new AssertionError(type);
                    }
                }
            }
            default -> throw new IllegalArgumentException("no random weights for " + type);
        }
        return b;
    }

    /** A random normal fp16 scale. */
    static short scale(Random rnd) {
        double magnitude = Math.scalb(1.0 + rnd.nextDouble(), -14 + rnd.nextInt(10));
        return Float.floatToFloat16((float) (rnd.nextBoolean() ? magnitude : -magnitude));
    }

    /** The bytes copied into native memory, as the kernels see a memory-mapped file. */
    static MemorySegment offHeap(byte[] bytes) {
        MemorySegment s = Arena.ofAuto().allocate(Math.max(1, bytes.length), 64);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return s;
    }

    /** Random activations: normal values with an occasional large outlier, as real ones have. */
    static float[] activations(int rows, int cols, Random rnd) {
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            double v = rnd.nextGaussian();
            if (rnd.nextInt(64) == 0) {
                v *= 20;
            }
            x[i] = (float) v;
        }
        return x;
    }

    static void putShort(byte[] b, int off, short v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }

    static void putInt(byte[] b, int off, int v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }
}
