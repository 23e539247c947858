package dev.mycel.model.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.tensor.Half;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes safetensors files from named tensors, laid out as the reference implementation lays
 * them out, so that its strict reader accepts them too: tensors follow each other without gaps
 * up to the end of the file, larger elements first (then by name), which keeps every tensor
 * aligned to its element size, and the header JSON is padded with spaces so that the data starts
 * at a multiple of 8 bytes. The header lists {@code __metadata__} and then the tensors in data
 * order, so the same tensors always give the same bytes. The file appears under its final name
 * only once complete.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Largest slice handed to one channel write (a ByteBuffer view is limited to 2 GiB). */
    private static final long CHUNK = 1L << 30;

    private record Pending(String name, SafetensorsDtype dtype, long[] shape, MemorySegment data) {
    }

    private final Map<String, String> metadata = new TreeMap<>();
    private final Map<String, Pending> tensors = new LinkedHashMap<>();

    /** Adds a {@code __metadata__} entry (such as {@code "format": "pt"}). */
    public SafetensorsWriter putMetadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /**
     * Adds a tensor from its little-endian bytes, which are written as they are (a mapped
     * segment is streamed, not copied to the heap).
     *
     * @param shape row-major, contiguous dimension last
     */
    public SafetensorsWriter add(String name, SafetensorsDtype dtype, long[] shape, MemorySegment data) {
        if (name.equals(SafetensorsFile.METADATA_KEY)) {
            throw new IllegalArgumentException("'" + name + "' is reserved for metadata");
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' added twice");
        }
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension " + d);
            }
            elements = Math.multiplyExact(elements, d);
        }
        long size = dtype.byteSize(elements);
        if (size != data.byteSize()) {
            throw new IllegalArgumentException("tensor '" + name + "' (" + dtype + ", " + elements + " values) needs "
                    + size + " bytes, got " + data.byteSize());
        }
        tensors.put(name, new Pending(name, dtype, shape.clone(), data));
        return this;
    }

    public SafetensorsWriter add(String name, SafetensorsDtype dtype, long[] shape, byte[] data) {
        return add(name, dtype, shape, MemorySegment.ofArray(data.clone()));
    }

    /**
     * Adds a tensor from float values, stored as F32, or rounded to F16 or BF16 (nearest, ties to
     * even).
     */
    public SafetensorsWriter add(String name, SafetensorsDtype dtype, long[] shape, float[] values) {
        ByteBuffer bb;
        switch (dtype) {
            case F32 -> {
                bb = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bb.asFloatBuffer().put(values);
            }
            case F16, BF16 -> {
                bb = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : values) {
                    bb.putShort(dtype == SafetensorsDtype.F16 ? Float.floatToFloat16(v) : Half.floatToBf16(v));
                }
            }
            default -> throw new IllegalArgumentException("float values can be stored as F32, F16 or BF16, not " + dtype);
        }
        return add(name, dtype, shape, MemorySegment.ofArray(bb.array()));
    }

    /** Adds an F32 tensor. */
    public SafetensorsWriter add(String name, long[] shape, float[] values) {
        return add(name, SafetensorsDtype.F32, shape, values);
    }

    /** Writes the file: to a temporary name beside {@code path}, renamed when complete. */
    public void write(Path path) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".partial");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeTo(ch);
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes the whole file image to a channel. */
    public void writeTo(WritableByteChannel out) throws IOException {
        List<Pending> order = new ArrayList<>(tensors.values());
        order.sort(Comparator.comparingInt((Pending p) -> -p.dtype.bits()).thenComparing(Pending::name));
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(SafetensorsFile.METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Pending p : order) {
            ObjectNode t = header.putObject(p.name);
            t.put("dtype", p.dtype.name());
            ArrayNode shape = t.putArray("shape");
            for (long d : p.shape) {
                shape.add(d);
            }
            ArrayNode offsets = t.putArray("data_offsets");
            offsets.add(offset);
            offset += p.data.byteSize();
            offsets.add(offset);
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        writeFully(out, head.flip());
        for (Pending p : order) {
            for (long at = 0; at < p.data.byteSize(); at += CHUNK) {
                MemorySegment slice = p.data.asSlice(at, Math.min(CHUNK, p.data.byteSize() - at));
                // Only native and byte[]-backed segments have a ByteBuffer view.
                boolean viewable = slice.heapBase().map(base -> base instanceof byte[]).orElse(true);
                writeFully(out, viewable ? slice.asByteBuffer() : ByteBuffer.wrap(slice.toArray(ValueLayout.JAVA_BYTE)));
            }
        }
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer bb) throws IOException {
        while (bb.hasRemaining()) {
            out.write(bb);
        }
    }
}
