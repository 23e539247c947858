package dev.mycel.tensor;

/**
 * A batch of activation rows converted to the {@link ActivationFormat} a weight type needs.
 *
 * <p>Quantized values are kept as floats holding small integers: products and sums of them are
 * exact in float arithmetic (every partial sum stays below 2^24), so the kernels may add them
 * in any order within a block without changing a bit.
 *
 * <p>Layout, for {@code rows} activation rows of {@code cols} values each:
 * <ul>
 *   <li>{@code values}: (rows, cols), row-major;
 *   <li>{@code scales}: (rows, cols / blockSize), one per block, for Q8_0 and Q8_K;
 *   <li>{@code sums}: (rows, cols / 16), for Q8_K: the sum of each 16 integers.
 * </ul>
 */
public final class PreparedActivations {
    private final ActivationFormat format;
    private int rows;
    private final int cols;
    private final float[] values;
    private final float[] scales;
    private final float[] sums;

    public PreparedActivations(ActivationFormat format, int maxRows, int cols) {
        if (cols % format.blockSize() != 0) {
            throw new IllegalArgumentException(format + " activations need a multiple of "
                    + format.blockSize() + " columns, not " + cols);
        }
        this.format = format;
        this.rows = maxRows;
        this.cols = cols;
        this.values = new float[Math.multiplyExact(maxRows, cols)];
        int blocks = cols / format.blockSize();
        this.scales = format.blockSize() > 1 ? new float[maxRows * blocks] : new float[0];
        this.sums = format == ActivationFormat.Q8_K ? new float[maxRows * (cols / 16)] : new float[0];
    }

    /**
     * Converts {@code rows} rows of {@code x} (row-major, {@code cols} wide) into this batch.
     * The batch must have been created with at least that many rows.
     */
    public PreparedActivations prepare(float[] x, int xOffset, int rows) {
        if (rows * cols > values.length) {
            throw new IllegalArgumentException("batch holds " + values.length / cols + " rows, asked for " + rows);
        }
        this.rows = rows;
        for (int r = 0; r < rows; r++) {
            int src = xOffset + r * cols;
            int dst = r * cols;
            switch (format) {
                case F32 -> System.arraycopy(x, src, values, dst, cols);
                case F16 -> {
                    for (int i = 0; i < cols; i++) {
                        values[dst + i] = Half.roundToHalf(x[src + i]);
                    }
                }
                case BF16 -> {
                    for (int i = 0; i < cols; i++) {
                        values[dst + i] = Half.bf16ToFloat(Half.floatToBf16(x[src + i]));
                    }
                }
                case Q8_0 -> quantizeQ8_0(x, src, r);
                case Q8_K -> quantizeQ8_K(x, src, r);
            }
        }
        return this;
    }

    /** llama.cpp's x86 Q8_0 activation quantizer: d = fp16(amax/127), q = rint(x * 127/amax). */
    private void quantizeQ8_0(float[] x, int src, int row) {
        int blocks = cols / 32;
        for (int b = 0; b < blocks; b++) {
            int base = src + b * 32;
            float amax = 0f;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(x[base + i]));
            }
            float d = amax / 127f;
            float id = amax != 0f ? 127f / amax : 0f;
            scales[row * blocks + b] = Half.roundToHalf(d);
            int dst = row * cols + b * 32;
            for (int i = 0; i < 32; i++) {
                values[dst + i] = (float) Math.rint(x[base + i] * id);
            }
        }
    }

    /**
     * llama.cpp's Q8_K quantizer: per 256 values the value of largest magnitude {@code max}
     * sets {@code iscale = -127 / max}, q = min(127, rint(iscale * x)), d = 1 / iscale.
     */
    private void quantizeQ8_K(float[] x, int src, int row) {
        int blocks = cols / 256;
        for (int b = 0; b < blocks; b++) {
            int base = src + b * 256;
            int dst = row * cols + b * 256;
            float max = 0f;
            float amax = 0f;
            for (int i = 0; i < 256; i++) {
                float ax = Math.abs(x[base + i]);
                if (ax > amax) {
                    amax = ax;
                    max = x[base + i];
                }
            }
            int sumBase = row * (cols / 16) + b * 16;
            if (amax == 0f) {
                scales[row * blocks + b] = 0f;
                java.util.Arrays.fill(values, dst, dst + 256, 0f);
                java.util.Arrays.fill(sums, sumBase, sumBase + 16, 0f);
                continue;
            }
            float iscale = -127f / max;
            for (int i = 0; i < 256; i++) {
                values[dst + i] = Math.min(127f, (float) Math.rint(iscale * x[base + i]));
            }
            for (int j = 0; j < 16; j++) {
                int s = 0;
                for (int i = 0; i < 16; i++) {
                    s += (int) values[dst + j * 16 + i];
                }
                sums[sumBase + j] = s;
            }
            scales[row * blocks + b] = 1f / iscale;
        }
    }

    public ActivationFormat format() {
        return format;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public float[] values() {
        return values;
    }

    public float[] scales() {
        return scales;
    }

    public float[] sums() {
        return sums;
    }
}
