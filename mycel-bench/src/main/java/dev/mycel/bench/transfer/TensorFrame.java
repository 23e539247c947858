package dev.mycel.bench.transfer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One tensor as it travels between peers: its element type, its shape (outermost dimension
 * first) and its elements as raw little-endian bytes, exactly {@code elements × element size}
 * of them. The frame shares its data buffer rather than copying it: the bytes are the buffer's
 * {@code position()..limit()} at construction, and whoever built the frame must not change
 * them until it has been sent.
 */
public record TensorFrame(String dtype, long[] shape, ByteBuffer data) {
    /** Most dimensions a tensor may have on the wire. */
    public static final int MAX_DIMS = 8;
    static final int MAX_DTYPE_CHARS = 16;
    private static final Pattern DTYPE = Pattern.compile("[a-z][a-z0-9_]{0," + (MAX_DTYPE_CHARS - 1) + "}");
    // Only element types whose byte count follows from the shape; quantized blocks would need
    // their block layout here before they can travel.
    private static final Map<String, Integer> ELEMENT_BYTES = Map.of(
            "f64", 8, "f32", 4, "f16", 2, "bf16", 2,
            "i64", 8, "i32", 4, "i16", 2, "i8", 1, "u8", 1, "bool", 1);

    public TensorFrame {
        shape = Objects.requireNonNull(shape, "shape").clone();
        Objects.requireNonNull(data, "data");
        long bytes = byteSize(dtype, shape);
        if (data.remaining() != bytes) {
            throw new IllegalArgumentException("a " + dtype + " tensor of shape " + Arrays.toString(shape) + " has "
                    + bytes + " bytes, but " + data.remaining() + " were given");
        }
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A float32 tensor holding a copy of {@code values}. */
    public static TensorFrame ofFloats(float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new TensorFrame("f32", shape, b);
    }

    /**
     * The number of data bytes a tensor of this dtype and shape has, or an
     * {@link IllegalArgumentException} saying why there is no such tensor.
     */
    public static long byteSize(String dtype, long[] shape) {
        if (dtype == null || !DTYPE.matcher(dtype).matches()) {
            throw new IllegalArgumentException("a dtype is a short lower-case name such as f32, got "
                    + (dtype == null ? "none" : "'" + truncate(dtype) + "'"));
        }
        Integer size = ELEMENT_BYTES.get(dtype);
        if (size == null) {
            throw new IllegalArgumentException("unknown dtype '" + dtype + "'; known: " + ELEMENT_BYTES.keySet());
        }
        if (shape.length > MAX_DIMS) {
            throw new IllegalArgumentException("a tensor has at most " + MAX_DIMS + " dimensions, got " + shape.length);
        }
        long n = size;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more bytes than a long holds");
            }
        }
        return n;
    }

    private static String truncate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** A view of the data (little-endian, position 0); it shares the bytes with the frame. */
    @Override
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    public int byteSize() {
        return data.remaining();
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** The elements of an f32 tensor. */
    public float[] toFloats() {
        if (!dtype.equals("f32")) {
            throw new IllegalStateException("not an f32 tensor: " + dtype);
        }
        float[] out = new float[data.remaining() / Float.BYTES];
        data().asFloatBuffer().get(out);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorFrame t && dtype.equals(t.dtype) && Arrays.equals(shape, t.shape) && data.equals(t.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + data.hashCode();
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape) + " (" + data.remaining() + " bytes)";
    }
}
