package dev.mycel.tensor;

/**
 * The form an activation vector must take before a dot product with a given weight type.
 *
 * <p>These follow llama.cpp's CPU backend, which is what makes Mycel agree with it closely:
 * F16 weights meet activations rounded to fp16, Q8_0 and Q4_0 weights meet activations
 * quantized to Q8_0 (blocks of 32), and K-quant weights meet activations quantized to Q8_K
 * (blocks of 256). {@link PreparedActivations} describes how the quantized values are stored.
 */
public enum ActivationFormat {
    /** Plain float32 values. */
    F32(1),
    /** Values rounded to the nearest fp16 (ties to even), kept as floats. */
    F16(1),
    /** Values rounded to the nearest bfloat16 (ties to even), kept as floats. */
    BF16(1),
    /** Q8_0: per 32 values a scale {@code d = fp16(amax / 127)} and integers in [-127, 127]. */
    Q8_0(32),
    /** Q8_K: per 256 values a float scale {@code d = max / -127} and integers in [-127, 127]. */
    Q8_K(256);

    private final int blockSize;

    ActivationFormat(int blockSize) {
        this.blockSize = blockSize;
    }

    /** Values per scale; inputs must have a multiple of this many columns. */
    public int blockSize() {
        return blockSize;
    }
}
