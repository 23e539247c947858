package dev.mycel.train.export;

import java.util.Arrays;
import java.util.Objects;

/**
 * One float tensor of a model to export, under its GGUF name (such as {@code blk.0.attn_q.weight}).
 *
 * <p>The shape is in row-major order, outermost dimension first: a matrix of {@code y = W x} is
 * {@code [out, in]} and {@code values[r * in + c]} is {@code W[r][c]}, as PyTorch stores a
 * {@code Linear} weight. (GGUF lists dimensions the other way round, innermost first; the exporter
 * turns them around.) The values are not copied: they are read when the file is written.
 *
 * @param name   the GGUF tensor name
 * @param shape  row-major shape, each dimension positive
 * @param values {@code product(shape)} floats
 */
public record NamedTensor(String name, int[] shape, float[] values) {
    public NamedTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(values, "values");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a tensor name must not be empty");
        }
        if (shape.length == 0) {
            throw new IllegalArgumentException("tensor '" + name + "' has no dimensions");
        }
        long size = 1;
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                        + "; every dimension must be positive");
            }
            size *= d;
        }
        if (size != values.length) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape) + " ("
                    + size + " values) but " + values.length + " values");
        }
        shape = shape.clone();
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return "NamedTensor[" + name + " " + Arrays.toString(shape) + "]";
    }
}
