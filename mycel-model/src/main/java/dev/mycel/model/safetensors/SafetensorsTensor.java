package dev.mycel.model.safetensors;

import java.util.Arrays;

/**
 * One tensor of a safetensors file as its header describes it. {@code shape} is row-major with
 * the contiguous dimension last (PyTorch order, the reverse of GGUF's), so a 2-D weight
 * {@code [out, in]} is {@code out} rows of {@code in} values. {@code begin} and {@code end} are
 * byte offsets relative to the start of the data that follows the header.
 */
public record SafetensorsTensor(String name, SafetensorsDtype dtype, long[] shape, long begin, long end) {
    public SafetensorsTensor {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    /** Number of values (1 for a scalar, whose shape is empty). */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long byteSize() {
        return end - begin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafetensorsTensor t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }
}
