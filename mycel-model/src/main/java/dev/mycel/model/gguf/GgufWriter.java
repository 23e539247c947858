package dev.mycel.model.gguf;

import dev.mycel.tensor.GgmlType;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF version 3 files: metadata, tensor infos, then tensor data aligned as the format
 * requires. Tensor contents are streamed from a {@link TensorSource}, so files of many
 * gigabytes are written without holding them in memory. The file appears under its final name
 * only once complete.
 */
public final class GgufWriter {
    /** Produces exactly the bytes of one tensor. */
    @FunctionalInterface
    public interface TensorSource {
        void writeTo(OutputStream out) throws IOException;
    }

    private record PendingTensor(String name, GgmlType type, long[] dims, TensorSource source, long size) {
    }

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private int alignment = GgufFile.DEFAULT_ALIGNMENT;

    public GgufWriter put(String key, GgufValue value) {
        if (key.equals("general.alignment")) {
            alignment = (int) (long) (Long) value.value();
        }
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValue.string(value));
    }

    public GgufWriter putUint32(String key, long value) {
        return put(key, GgufValue.uint32(value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValue.float32(value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValue.bool(value));
    }

    /** Copies every metadata entry of {@code other} whose key starts with {@code prefix}. */
    public GgufWriter putAll(Map<String, GgufValue> other, String prefix) {
        other.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                put(k, v);
            }
        });
        return this;
    }

    /** Adds a tensor with {@code dims} in ggml order (contiguous dimension first). */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, TensorSource source) {
        long elements = 1;
        for (long d : dims) {
            elements = Math.multiplyExact(elements, d);
        }
        tensors.add(new PendingTensor(name, type, dims.clone(), source, type.byteSize(elements)));
        return this;
    }

    public GgufWriter addTensor(String name, GgmlType type, long[] dims, byte[] data) {
        return addTensor(name, type, dims, out -> out.write(data));
    }

    /** Float32 tensor from values. */
    public GgufWriter addTensor(String name, long[] dims, float[] values) {
        ByteBuffer bb = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(values);
        return addTensor(name, GgmlType.F32, dims, bb.array());
    }

    /** Writes the file: to a temporary name beside {@code path}, renamed when complete. */
    public void write(Path path) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        // Not Files.createTempFile: that makes the file owner-only, and a model file is not secret.
        Path tmp = path.resolveSibling(path.getFileName() + ".partial");
        try {
            try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                writeTo(raw);
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes the whole file image to a stream. */
    public void writeTo(OutputStream sink) throws IOException {
        Counting out = new Counting(sink);
        le32(out, GgufFile.MAGIC);
        le32(out, 3);
        le64(out, tensors.size());
        le64(out, metadata.size());
        for (var e : metadata.entrySet()) {
            string(out, e.getKey());
            le32(out, e.getValue().type().id());
            value(out, e.getValue());
        }
        long offset = 0;
        for (PendingTensor t : tensors) {
            string(out, t.name);
            le32(out, t.dims.length);
            for (long d : t.dims) {
                le64(out, d);
            }
            le32(out, t.type.id());
            le64(out, offset);
            offset = align(offset + t.size);
        }
        pad(out);
        for (PendingTensor t : tensors) {
            long start = out.count;
            t.source.writeTo(out);
            long written = out.count - start;
            if (written != t.size) {
                throw new IOException("tensor '" + t.name + "' produced " + written + " bytes, expected " + t.size);
            }
            pad(out);
        }
        out.flush();
    }

    private long align(long n) {
        return (n + alignment - 1) / alignment * alignment;
    }

    private void pad(Counting out) throws IOException {
        while (out.count % alignment != 0) {
            out.write(0);
        }
    }

    private static void value(OutputStream out, GgufValue v) throws IOException {
        if (v.type() == GgufValueType.ARRAY) {
            le32(out, v.elementType().id());
            le64(out, v.length());
            switch (v.value()) {
                case String[] a -> {
                    for (String s : a) {
                        string(out, s);
                    }
                }
                case float[] a -> {
                    for (float f : a) {
                        le32(out, Float.floatToRawIntBits(f));
                    }
                }
                case double[] a -> {
                    for (double d : a) {
                        le64(out, Double.doubleToRawLongBits(d));
                    }
                }
                case boolean[] a -> {
                    for (boolean b : a) {
                        out.write(b ? 1 : 0);
                    }
                }
                case long[] a -> {
                    for (long l : a) {
                        scalar(out, v.elementType(), l);
                    }
                }
                default -> throw new IllegalArgumentException("bad array value " + v);
            }
            return;
        }
        switch (v.type()) {
            case STRING -> string(out, (String) v.value());
            case FLOAT32 -> le32(out, Float.floatToRawIntBits((Float) v.value()));
            case FLOAT64 -> le64(out, Double.doubleToRawLongBits((Double) v.value()));
            case BOOL -> out.write((Boolean) v.value() ? 1 : 0);
            default -> scalar(out, v.type(), (Long) v.value());
        }
    }

    private static void scalar(OutputStream out, GgufValueType type, long v) throws IOException {
        switch (type.size()) {
            case 1 -> out.write((int) v);
            case 2 -> {
                out.write((int) v);
                out.write((int) (v >>> 8));
            }
            case 4 -> le32(out, (int) v);
            case 8 -> le64(out, v);
            default -> throw new IllegalArgumentException(type.toString());
        }
    }

    private static void string(OutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        le64(out, b.length);
        out.write(b);
    }

    private static void le32(OutputStream out, int v) throws IOException {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    private static void le64(OutputStream out, long v) throws IOException {
        le32(out, (int) v);
        le32(out, (int) (v >>> 32));
    }

    private static final class Counting extends FilterOutputStream {
        long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
