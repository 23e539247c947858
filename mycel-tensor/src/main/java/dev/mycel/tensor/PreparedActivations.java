package dev.mycel.tensor;

import java.util.Arrays;

/**
 * A batch of activation rows converted to the {@link ActivationFormat} a weight type needs.
 *
 * <p><b>Float formats</b> (F32, F16, BF16) keep {@code values}: (rows, cols) floats, row-major.
 *
 * <p><b>Quantized formats</b> (Q8_0, Q8_K) are quantized exactly as llama.cpp does it, and every
 * quantized value is an integer in [-127, 127] (see the quantizers for why -128 cannot occur);
 * the kernels' overflow bounds rely on that. They are kept in the forms the
 * {@link QuantizedMatrix} kernels read:
 * <ul>
 *   <li>{@code pairs}: per token, {@code cols / 2} ints; int k holds values 2k (low 16 bits) and
 *       2k + 1 (high 16 bits) as shorts. Broadcast to every int lane of a vector and read as
 *       shorts, it lines up with weights stored as (row, value 2k), (row, value 2k + 1) pairs;
 *   <li>{@code scales}: per token, one float per block ({@link ActivationFormat#blockSize});
 *   <li>{@code sums}: per token, the integer sum of every 32 values;
 *   <li>{@code quantFloats} (Q8_0 batches of at least {@link #FLOAT_BATCH} rows, made when a
 *       float batch kernel first asks for them, so that batches for other weight types pay
 *       neither the memory nor the copy): per token, the {@code cols} integers as floats, for
 *       {@link FloatBatchKernel};
 *   <li>{@code offsets} (Q8_K only): per token and 16 values, {@code 32 * (sum of the 8 values
 *       at even positions)} and {@code 32 * (sum of the 8 at odd positions)} as the low and high
 *       shorts of an int, at most 32 * 8 * 127 = 32,512 in magnitude: what Q6_K's offset of 32
 *       takes off a sub-block's products in each 16-bit lane of a pair.
 * </ul>
 *
 * <p><b>Token groups.</b> Kernels that run several tokens over one decoded weight vector read
 * {@link #GROUP} tokens' entries side by side. The first {@code rows - rows % GROUP} tokens are
 * therefore stored in groups: entry e of token {@code t = GROUP * g + u} sits at
 * {@code GROUP * g * n + GROUP * e + u}, where n is the entries per token. The remaining tokens
 * (fewer than a group) are stored plainly at {@code t * n + e}; the kernels handle those one at a
 * time. {@link #entry} computes the index either way. The layout depends on the prepared row
 * count, so a batch must be prepared again to change it.
 */
public final class PreparedActivations {
    /** Tokens whose quantized entries are interleaved, the token count of the grouped kernels. */
    public static final int GROUP = 4;
    /**
     * Batches of at least this many rows also keep their Q8_0 integers as floats, and weight
     * types that have a float batch kernel use it for them ({@link FloatBatchKernel}).
     */
    public static final int FLOAT_BATCH = 8;

    private final ActivationFormat format;
    private final int maxRows;
    private int rows;
    private final int cols;
    private final float[] values;
    private final int[] pairs;
    private final float[] scales;
    private final int[] sums;
    private final int[] offsets;
    /** The integers as floats, grouped like {@code pairs}; allocated when first asked for. */
    private float[] quantFloats;
    /** Whether {@link #quantFloats} holds the batch prepared last. Guarded by {@code this}. */
    private boolean floatsCurrent;
    /** One row's integers while it is being quantized. */
    private final int[] quants;

    public PreparedActivations(ActivationFormat format, int maxRows, int cols) {
        if (cols % format.blockSize() != 0) {
            throw new IllegalArgumentException(format + " activations need a multiple of "
                    + format.blockSize() + " columns, not " + cols);
        }
        if (maxRows <= 0) {
            throw new IllegalArgumentException("a batch needs at least one row, not " + maxRows);
        }
        this.format = format;
        this.maxRows = maxRows;
        this.rows = maxRows;
        this.cols = cols;
        boolean quantized = format.blockSize() > 1;
        this.values = quantized ? new float[0] : new float[Math.multiplyExact(maxRows, cols)];
        this.pairs = quantized ? new int[Math.multiplyExact(maxRows, cols / 2)] : new int[0];
        this.scales = quantized ? new float[maxRows * (cols / format.blockSize())] : new float[0];
        this.sums = quantized ? new int[maxRows * (cols / 32)] : new int[0];
        this.offsets = format == ActivationFormat.Q8_K ? new int[maxRows * (cols / 16)] : new int[0];
        this.quants = quantized ? new int[cols] : new int[0];
    }

    /**
     * Converts {@code rows} rows of {@code x} (row-major, {@code cols} wide) into this batch.
     * The batch must have been created with at least that many rows.
     */
    public PreparedActivations prepare(float[] x, int xOffset, int rows) {
        if (rows <= 0 || rows > maxRows) {
            throw new IllegalArgumentException("batch holds " + maxRows + " rows, asked for " + rows);
        }
        this.rows = rows;
        invalidateFloats();
        int[] q = quants;
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
                case Q8_0 -> {
                    quantizeQ8_0(x, src, r, q);
                    store(r, q);
                }
                case Q8_K -> {
                    quantizeQ8_K(x, src, r, q);
                    store(r, q);
                }
            }
        }
        return this;
    }

    /**
     * llama.cpp's x86 Q8_0 activation quantizer: d = fp16(amax/127), q = rint(x * 127/amax).
     * Since |x| &le; amax, |x * (127/amax)| exceeds 127 by at most two roundings of a float
     * (a relative 2^-23), far less than the 0.5 that would round it to 128; a NaN quantizes to 0.
     */
    private void quantizeQ8_0(float[] x, int src, int row, int[] q) {
        int blocks = cols / 32;
        for (int b = 0; b < blocks; b++) {
            int base = src + b * 32;
            float amax = 0f;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(x[base + i]));
            }
            float d = amax / 127f;
            float id = amax != 0f ? 127f / amax : 0f;
            scales[entry(row, b, blocks)] = Half.roundToHalf(d);
            for (int i = 0; i < 32; i++) {
                q[b * 32 + i] = (int) Math.rint(x[base + i] * id);
            }
        }
    }

    /**
     * llama.cpp's Q8_K quantizer: per 256 values the value of largest magnitude {@code max}
     * sets {@code iscale = -127 / max}, q = min(127, rint(iscale * x)), d = 1 / iscale. As for
     * Q8_0, |iscale * x| is at most 127 plus rounding, so q lies in [-127, 127].
     */
    private void quantizeQ8_K(float[] x, int src, int row, int[] q) {
        int blocks = cols / 256;
        for (int b = 0; b < blocks; b++) {
            int base = src + b * 256;
            float max = 0f;
            float amax = 0f;
            for (int i = 0; i < 256; i++) {
                float ax = Math.abs(x[base + i]);
                if (ax > amax) {
                    amax = ax;
                    max = x[base + i];
                }
            }
            if (amax == 0f) {
                scales[entry(row, b, blocks)] = 0f;
                Arrays.fill(q, b * 256, b * 256 + 256, 0);
                continue;
            }
            float iscale = -127f / max;
            for (int i = 0; i < 256; i++) {
                q[b * 256 + i] = (int) Math.min(127f, (float) Math.rint(iscale * x[base + i]));
            }
            scales[entry(row, b, blocks)] = 1f / iscale;
        }
    }

    /** Stores row {@code row}'s integers {@code q[0 .. cols)} as pairs and sums. */
    private void store(int row, int[] q) {
        int half = cols / 2;
        for (int k = 0; k < half; k++) {
            pairs[entry(row, k, half)] = (q[2 * k] & 0xffff) | (q[2 * k + 1] << 16);
        }
        int groups = cols / 32;
        for (int g = 0; g < groups; g++) {
            int s = 0;
            for (int i = 0; i < 32; i++) {
                s += q[32 * g + i];
            }
            sums[entry(row, g, groups)] = s;
        }
        if (format == ActivationFormat.Q8_K) {
            int sixteens = cols / 16;
            for (int j = 0; j < sixteens; j++) {
                int even = 0;
                int odd = 0;
                for (int i = 0; i < 16; i += 2) {
                    even += q[16 * j + i];
                    odd += q[16 * j + i + 1];
                }
                offsets[entry(row, j, sixteens)] = (32 * even & 0xffff) | (32 * odd << 16);
            }
        }
    }

    /**
     * Index of entry {@code e} of token {@code t} in an array with {@code n} entries per token,
     * in the grouped layout described in the class comment.
     */
    int entry(int t, int e, int n) {
        int grouped = rows - rows % GROUP;
        if (t < grouped) {
            int u = t % GROUP;
            return (t - u) * n + e * GROUP + u;
        }
        return t * n + e;
    }

    /** Quantized value {@code i} of token {@code t}. */
    int quant(int t, int i) {
        int p = pairs[entry(t, i / 2, cols / 2)];
        return i % 2 == 0 ? (short) p : p >> 16;
    }

    /** The scale of block {@code b} of token {@code t}. */
    float scale(int t, int b) {
        return scales[entry(t, b, cols / format.blockSize())];
    }

    /**
     * Replaces token {@code t}'s integers by {@code q} (keeping its scales), for tests that need
     * values at the extremes of the range. The values must lie in [-127, 127].
     */
    void overwriteQuants(int t, int[] q) {
        for (int v : q) {
            if (v < -127 || v > 127) {
                throw new IllegalArgumentException("quantized activations lie in [-127, 127], not " + v);
            }
        }
        store(t, q);
        invalidateFloats();
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

    /** Float formats: the (rows, cols) values, row-major. Empty for quantized formats. */
    public float[] values() {
        return values;
    }

    int[] pairs() {
        return pairs;
    }

    /**
     * The integers as floats (grouped layout like {@code pairs}), or null when this batch has
     * fewer than {@link #FLOAT_BATCH} rows or is not Q8_0. Made from the pairs by the first caller
     * after a prepare; the threads of one product may all ask at once.
     */
    synchronized float[] quantFloats() {
        if (format != ActivationFormat.Q8_0 || rows < FLOAT_BATCH) {
            return null;
        }
        if (!floatsCurrent) {
            if (quantFloats == null) {
                quantFloats = new float[Math.multiplyExact(maxRows, cols)];
            }
            for (int t = 0; t < rows; t++) {
                for (int i = 0; i < cols; i++) {
                    quantFloats[entry(t, i, cols)] = quant(t, i);
                }
            }
            floatsCurrent = true;
        }
        return quantFloats;
    }

    private synchronized void invalidateFloats() {
        floatsCurrent = false;
    }

    float[] scales() {
        return scales;
    }

    int[] sums() {
        return sums;
    }

    int[] offsets() {
        return offsets;
    }
}
