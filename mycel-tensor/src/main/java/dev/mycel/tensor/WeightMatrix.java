package dev.mycel.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A (rows, cols) weight matrix in one of the ggml storage types that multiplies batches of
 * activation rows. The matrix keeps the bytes it was made from (usually a slice of a
 * memory-mapped model file) for {@link #dequantizeRow}.
 *
 * <p>Every output element {@code out[t][r] = dot(W[r], x[t])} is computed by one thread with the
 * same sequence of floating-point operations whatever the batch size, thread count or vector
 * width, so a prompt processed as one batch and the same prompt fed token by token give
 * identical bits:
 * <ul>
 *   <li><b>Dense types</b> (F32, F16, BF16, {@link DenseMatrix}) read the bytes in place and sum
 *       in the {@link Lanes#COUNT} virtual lanes: value i goes to lane {@code i % 16}, each lane
 *       accumulates with fused multiply-adds in index order, and {@link Lanes#reduce} combines
 *       the lanes.
 *   <li><b>Quantized types</b> (Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, {@link QuantizedMatrix}) follow
 *       llama.cpp's reference formula: for each block in order, the block's dot product with the
 *       quantized activations is computed as an exact integer (in any order, since it is exact)
 *       and added with one fused multiply-add, {@code acc = fma(float(isum), d_w * d_x, acc)}.
 *       K-quants do this per super-block with the exact integer {@code S = sum_j sc_j isum_j},
 *       then add their mins term; see {@link QuantizedMatrix}. The weights are first copied
 *       into 16-row tiles that the kernels read with full-width vectors.
 * </ul>
 */
public abstract class WeightMatrix {
    static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT_LE =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

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

    /**
     * Wraps {@code data} as a matrix of the given type; the type must be computable. Quantized
     * matrices build their tiles in memory that the garbage collector frees once the matrix is
     * unreachable; code that loads whole models should pass an arena it closes instead.
     */
    public static WeightMatrix of(GgmlType type, MemorySegment data, int rows, int cols) {
        return of(type, data, rows, cols, Arena.ofAuto());
    }

    /**
     * Wraps {@code data} as a matrix of the given type; the type must be computable. Quantized
     * matrices allocate their tiles from {@code tiles}, the first time they multiply (a matrix
     * only ever used for {@link #dequantizeRow}, an embedding say, never builds them), so the
     * matrix must not multiply after that arena is closed. Dense matrices allocate nothing.
     */
    public static WeightMatrix of(GgmlType type, MemorySegment data, int rows, int cols, Arena tiles) {
        Objects.requireNonNull(tiles, "tiles");
        return switch (type) {
            case F32 -> new F32Matrix(data, rows, cols);
            case F16 -> new F16Matrix(data, rows, cols);
            case BF16 -> new BF16Matrix(data, rows, cols);
            case Q8_0 -> new Q8_0Matrix(data, rows, cols, tiles);
            case Q4_0 -> new Q4_0Matrix(data, rows, cols, tiles);
            case Q4_K -> new Q4_KMatrix(data, rows, cols, tiles);
            case Q5_K -> new Q5_KMatrix(data, rows, cols, tiles);
            case Q6_K -> new Q6_KMatrix(data, rows, cols, tiles);
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

    /** The bytes the matrix was made from, in the file's layout. */
    public final MemorySegment data() {
        return data;
    }

    /** A batch buffer of the right format for up to {@code maxRows} activation rows. */
    public PreparedActivations newInput(int maxRows) {
        return new PreparedActivations(inputFormat(), maxRows, cols);
    }

    /**
     * Computes {@code out[t * outStride + r] = dot(row r, x[t])} for every activation row t and
     * every weight row r in {@code [from, to)}, writing nothing else.
     */
    public final void multiply(PreparedActivations x, float[] out, int outStride, int from, int to) {
        if (x.format() != inputFormat() || x.cols() != cols) {
            throw new IllegalArgumentException("activations are " + x.format() + " x " + x.cols()
                    + ", this " + type() + " matrix needs " + inputFormat() + " x " + cols);
        }
        Objects.checkFromToIndex(from, to, rows);
        if (outStride < to || (long) (x.rows() - 1) * outStride + to > out.length) {
            throw new IllegalArgumentException("output of " + out.length + " floats with stride " + outStride
                    + " cannot hold " + x.rows() + " rows up to " + to);
        }
        if (from < to) {
            multiplyRows(x, out, outStride, from, to);
        }
    }

    /** {@link #multiply} after its checks, with {@code from < to}. */
    abstract void multiplyRows(PreparedActivations x, float[] out, int outStride, int from, int to);

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
