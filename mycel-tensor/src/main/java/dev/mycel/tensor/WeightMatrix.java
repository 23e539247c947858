package dev.mycel.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A (rows, cols) weight matrix in one of the ggml storage types, read in place from memory
 * (usually a memory-mapped model file), that multiplies batches of activation rows.
 *
 * <p>Every output element {@code out[t][r] = dot(W[r], x[t])} is computed by one thread with the
 * same sequence of operations whatever the batch size, thread count or vector width: partial
 * sums live in the {@link Lanes#COUNT} virtual lanes. A prompt processed as one batch and the
 * same prompt fed token by token therefore give identical bits.
 */
public abstract class WeightMatrix {
    static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT_LE =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Tokens that share one pass over a weight row. */
    static final int TOKEN_TILE = 4;
    /** Rows processed against one token tile before moving on, to keep the tile in L1. */
    private static final int ROW_BLOCK = 16;

    protected final MemorySegment data;
    protected final int rows;
    protected final int cols;
    protected final long rowBytes;

    protected WeightMatrix(MemorySegment data, int rows, int cols) {
        this.data = Objects.requireNonNull(data, "data");
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("matrix dimensions must be positive: " + rows + " x " + cols);
        }
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = type().byteSize(cols);
        long need = Math.multiplyExact(rowBytes, (long) rows);
        if (data.byteSize() < need) {
            throw new IllegalArgumentException(type() + " matrix " + rows + " x " + cols + " needs " + need
                    + " bytes, but only " + data.byteSize() + " are there");
        }
    }

    /** Wraps {@code data} as a matrix of the given type; the type must be computable. */
    public static WeightMatrix of(GgmlType type, MemorySegment data, int rows, int cols) {
        return switch (type) {
            case F32 -> new F32Matrix(data, rows, cols);
            case F16 -> new F16Matrix(data, rows, cols);
            case BF16 -> new BF16Matrix(data, rows, cols);
            case Q8_0 -> new Q8_0Matrix(data, rows, cols);
            case Q4_0 -> new Q4_0Matrix(data, rows, cols);
            case Q4_K -> new Q4_KMatrix(data, rows, cols);
            case Q5_K -> new Q5_KMatrix(data, rows, cols);
            case Q6_K -> new Q6_KMatrix(data, rows, cols);
            default -> throw new IllegalArgumentException("tensor type " + type
                    + " cannot be computed with; supported types are " + GgmlType.computableNames());
        };
    }

    public abstract GgmlType type();

    /** The form activations must be prepared in for {@link #multiply}. */
    public abstract ActivationFormat inputFormat();

    public final int rows() {
        return rows;
    }

    public final int cols() {
        return cols;
    }

    public final MemorySegment data() {
        return data;
    }

    /** A batch buffer of the right format for up to {@code maxRows} activation rows. */
    public PreparedActivations newInput(int maxRows) {
        return new PreparedActivations(inputFormat(), maxRows, cols);
    }

    /**
     * Computes {@code out[t * outStride + r] = dot(row r, x[t])} for every activation row t and
     * every weight row r in {@code [from, to)}.
     */
    public final void multiply(PreparedActivations x, float[] out, int outStride, int from, int to) {
        if (x.format() != inputFormat() || x.cols() != cols) {
            throw new IllegalArgumentException("activations are " + x.format() + " x " + x.cols()
                    + ", this " + type() + " matrix needs " + inputFormat() + " x " + cols);
        }
        Objects.checkFromToIndex(from, to, rows);
        int tokens = x.rows();
        float[] lanes = new float[Lanes.COUNT * TOKEN_TILE];
        float[] sums = new float[TOKEN_TILE];
        int tiled = tokens - tokens % TOKEN_TILE;
        for (int r0 = from; r0 < to && tiled > 0; r0 += ROW_BLOCK) {
            int r1 = Math.min(to, r0 + ROW_BLOCK);
            for (int t = 0; t < tiled; t += TOKEN_TILE) {
                for (int r = r0; r < r1; r++) {
                    dot4(r, x, t, lanes, sums);
                    for (int k = 0; k < TOKEN_TILE; k++) {
                        out[(t + k) * outStride + r] = sums[k];
                    }
                }
            }
        }
        for (int t = tiled; t < tokens; t++) {
            for (int r = from; r < to; r++) {
                out[t * outStride + r] = dot1(r, x, t, lanes);
            }
        }
    }

    /** Dot product of row {@code r} with activation row {@code t}. */
    protected abstract float dot1(int r, PreparedActivations x, int t, float[] lanes);

    /**
     * Dot products of row {@code r} with activation rows {@code t .. t+3}, into {@code sums};
     * each must equal what {@link #dot1} gives for that row, bit for bit.
     */
    protected abstract void dot4(int r, PreparedActivations x, int t, float[] lanes, float[] sums);

    /** Writes the exact float values of row {@code r} to {@code dst[off .. off + cols)}. */
    public abstract void dequantizeRow(int r, float[] dst, int off);

    /** Row {@code r} as exact floats. */
    public float[] dequantizeRow(int r) {
        float[] row = new float[cols];
        dequantizeRow(r, row, 0);
        return row;
    }

    @Override
    public String toString() {
        return type() + "[" + rows + " x " + cols + "]";
    }
}
