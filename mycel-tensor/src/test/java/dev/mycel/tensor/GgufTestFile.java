package dev.mycel.tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Just enough of a GGUF (v2/v3) reader for this module's tests: tensor names, types, shapes and
 * data. mycel-tensor must not depend on mycel-model, which owns the real reader.
 */
final class GgufTestFile implements AutoCloseable {
    /** One tensor: name, type, shape (ne, contiguous dimension first) and its bytes. */
    record Tensor(String name, GgmlType type, long[] shape, MemorySegment data) {
        long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        float[] floats() {
            if (type != GgmlType.F32) {
                throw new IllegalStateException(name + " is " + type);
            }
            return data.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
        }
    }

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment file;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private long pos;

    GgufTestFile(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            file = ch.map(FileChannel.MapMode.READ_ONLY, 0, Files.size(path), arena);
        }
        if (u32() != 0x46554747) {
            throw new IOException(path + " is not a GGUF file");
        }
        int version = u32();
        if (version < 2) {
            throw new IOException("GGUF version " + version + " is not supported here");
        }
        long tensorCount = u64();
        long kvCount = u64();
        long alignment = 32;
        for (long i = 0; i < kvCount; i++) {
            String key = string();
            int type = u32();
            if (key.equals("general.alignment") && type == 4) {
                alignment = u32() & 0xffffffffL;
            } else {
                skip(type);
            }
        }
        String[] names = new String[(int) tensorCount];
        GgmlType[] types = new GgmlType[names.length];
        long[][] shapes = new long[names.length][];
        long[] offsets = new long[names.length];
        for (int i = 0; i < names.length; i++) {
            names[i] = string();
            int dims = u32();
            shapes[i] = new long[dims];
            for (int d = 0; d < dims; d++) {
                shapes[i][d] = u64();
            }
            int typeId = u32();
            types[i] = GgmlType.fromId(typeId).orElseThrow(() -> new IOException("unknown type " + typeId));
            offsets[i] = u64();
        }
        long dataStart = (pos + alignment - 1) / alignment * alignment;
        for (int i = 0; i < names.length; i++) {
            long elements = 1;
            for (long d : shapes[i]) {
                elements *= d;
            }
            MemorySegment bytes = file.asSlice(dataStart + offsets[i], types[i].byteSize(elements));
            tensors.put(names[i], new Tensor(names[i], types[i], shapes[i], bytes));
        }
    }

    Map<String, Tensor> tensors() {
        return tensors;
    }

    private int u32() {
        int v = file.get(U32, pos);
        pos += 4;
        return v;
    }

    private long u64() {
        long v = file.get(U64, pos);
        pos += 8;
        return v;
    }

    private String string() {
        int n = Math.toIntExact(u64());
        byte[] b = file.asSlice(pos, n).toArray(ValueLayout.JAVA_BYTE);
        pos += n;
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Skips a metadata value of the given GGUF value type. */
    private void skip(int type) throws IOException {
        switch (type) {
            case 0, 1, 7 -> pos += 1;
            case 2, 3 -> pos += 2;
            case 4, 5, 6 -> pos += 4;
            case 10, 11, 12 -> pos += 8;
            case 8 -> {
                long n = u64();
                pos += n;
            }
            case 9 -> {
                int elementType = u32();
                long n = u64();
                for (long i = 0; i < n; i++) {
                    skip(elementType);
                }
            }
            default -> throw new IOException("unknown GGUF value type " + type);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
