package dev.mycel.model.gguf;

import dev.mycel.model.ModelFormatException;
import dev.mycel.tensor.GgmlType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF file (versions 2 and 3), memory-mapped: metadata is parsed eagerly, tensor data is
 * never copied and is read in place through {@link #tensorData}. Files larger than 2 GiB are
 * fine, since the map is one {@link MemorySegment}.
 *
 * <p>Every size and offset read from the file is checked against the file's length before it is
 * used, so a truncated or hostile file gives a {@link ModelFormatException} naming the problem,
 * never an out-of-memory error or an exception from deep inside.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;
    /** ggml's limit on tensor dimensions. */
    public static final int MAX_DIMS = 4;
    private static final long MAX_STRING_BYTES = 1L << 30;

    private final String name;
    private final Arena arena;
    private final MemorySegment file;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final Map<String, GgufTensorInfo> tensors;
    private final long dataOffset;
    private final int alignment;

    private GgufFile(String name, Arena arena, MemorySegment file) {
        this.name = name;
        this.arena = arena;
        this.file = file;
        Reader in = new Reader(file, name);
        int magic = in.i32("magic");
        if (magic != MAGIC) {
            throw new ModelFormatException(name + ": not a GGUF file (it starts with " + describeMagic(file)
                    + ", a GGUF file starts with 'GGUF')");
        }
        int v = in.i32("version");
        if (v == 1) {
            throw new ModelFormatException(name + ": GGUF version 1 is no longer supported; "
                    + "convert the model again with a recent llama.cpp");
        }
        if (Integer.reverseBytes(v) == 2 || Integer.reverseBytes(v) == 3) {
            throw new ModelFormatException(name + ": big-endian GGUF files are not supported");
        }
        if (v != 2 && v != 3) {
            throw new ModelFormatException(name + ": GGUF version " + Integer.toUnsignedString(v)
                    + " is not supported (Mycel reads versions 2 and 3)");
        }
        this.version = v;
        long tensorCount = in.u64("tensor count");
        long kvCount = in.u64("metadata count");
        // Each metadata entry takes at least 13 bytes and each tensor info at least 24.
        if (kvCount < 0 || kvCount > in.remaining() / 13) {
            throw new ModelFormatException(name + ": metadata count " + Long.toUnsignedString(kvCount)
                    + " is impossible for a file of " + file.byteSize() + " bytes");
        }
        if (tensorCount < 0 || tensorCount > in.remaining() / 24) {
            throw new ModelFormatException(name + ": tensor count " + Long.toUnsignedString(tensorCount)
                    + " is impossible for a file of " + file.byteSize() + " bytes");
        }
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string("metadata key " + i);
            int typeId = in.i32("type of '" + key + "'");
            GgufValueType type = GgufValueType.fromId(typeId);
            if (type == null) {
                // Ids are unsigned 32-bit in the file: shown as such, not as Java's negative int.
                throw new ModelFormatException(name + ": metadata '" + key + "' has unknown value type "
                        + Integer.toUnsignedString(typeId) + " (GGUF value types are 0 to 12)");
            }
            GgufValue value = in.value(type, key);
            if (kv.put(key, value) != null) {
                throw new ModelFormatException(name + ": metadata key '" + key + "' appears twice");
            }
        }
        this.metadata = Collections.unmodifiableMap(kv);
        GgufValue align = kv.get("general.alignment");
        if (align != null) {
            if (!(align.value() instanceof Long a) || a <= 0 || a > (1 << 20) || Long.bitCount(a) != 1) {
                throw new ModelFormatException(name + ": general.alignment must be a power of two, not "
                        + align.describe());
            }
            this.alignment = (int) (long) (Long) align.value();
        } else {
            this.alignment = DEFAULT_ALIGNMENT;
        }
        Map<String, GgufTensorInfo> ts = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            GgufTensorInfo info = in.tensorInfo(i);
            if (ts.put(info.name(), info) != null) {
                throw new ModelFormatException(name + ": tensor '" + info.name() + "' appears twice");
            }
        }
        this.tensors = Collections.unmodifiableMap(ts);
        long afterInfos = in.position();
        this.dataOffset = (afterInfos + alignment - 1) / alignment * alignment;
        long dataSize = file.byteSize() - Math.min(dataOffset, file.byteSize());
        for (GgufTensorInfo t : ts.values()) {
            if (t.offset() % alignment != 0) {
                throw new ModelFormatException(name + ": tensor '" + t.name() + "' starts at offset " + t.offset()
                        + ", which is not a multiple of the alignment " + alignment);
            }
            long size = t.byteSize();
            if (t.offset() > dataSize || size > dataSize - t.offset()) {
                throw new ModelFormatException(name + ": tensor '" + t.name() + "' (" + size + " bytes at offset "
                        + t.offset() + ") lies beyond the end of the file; the file is truncated or corrupt");
            }
        }
    }

    /** Opens and memory-maps a GGUF file. */
    public static GgufFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return new GgufFile(path.toString(), arena, seg);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new ModelFormatException(path + ": no such file");
        } catch (IOException e) {
            arena.close();
            throw new ModelFormatException(path + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Parses a GGUF image already in memory (tests, fuzzing). */
    public static GgufFile parse(MemorySegment image, String name) {
        return new GgufFile(name, null, image);
    }

    /** Quick check of the first four bytes. */
    public static boolean looksLikeGguf(Path path) {
        try (var in = Files.newInputStream(path)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && b[0] == 'G' && b[1] == 'G' && b[2] == 'U' && b[3] == 'F';
        } catch (IOException e) {
            return false;
        }
    }

    private static String describeMagic(MemorySegment file) {
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < Math.min(4, file.byteSize()); i++) {
            int b = file.get(ValueLayout.JAVA_BYTE, i) & 0xff;
            sb.append(b >= 32 && b < 127 ? String.valueOf((char) b) : String.format("\\x%02x", b));
        }
        return sb.append("'").toString();
    }

    public String name() {
        return name;
    }

    public int version() {
        return version;
    }

    public int alignment() {
        return alignment;
    }

    /** Where the tensor data section starts: header, metadata and tensor table come before. */
    public long dataOffset() {
        return dataOffset;
    }

    public long fileSize() {
        return file.byteSize();
    }

    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    public Map<String, GgufTensorInfo> tensors() {
        return tensors;
    }

    public Optional<GgufTensorInfo> tensor(String tensorName) {
        return Optional.ofNullable(tensors.get(tensorName));
    }

    /** The bytes of a tensor, in place in the mapped file. */
    public MemorySegment tensorData(GgufTensorInfo t) {
        return file.asSlice(dataOffset + t.offset(), t.byteSize());
    }

    public MemorySegment tensorData(String tensorName) {
        GgufTensorInfo t = tensors.get(tensorName);
        if (t == null) {
            throw new ModelFormatException(name + ": tensor '" + tensorName + "' is missing");
        }
        return tensorData(t);
    }

    // ---- typed metadata access; a present key of the wrong type is an error ----

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public Optional<String> string(String key) {
        return Optional.ofNullable(metadata.get(key)).map(v -> expect(key, v, String.class));
    }

    public Optional<Long> integer(String key) {
        return Optional.ofNullable(metadata.get(key)).map(v -> expect(key, v, Long.class));
    }

    public Optional<Float> float32(String key) {
        return Optional.ofNullable(metadata.get(key)).map(v -> switch (v.value()) {
            case Float f -> f;
            case Double d -> (float) (double) d;
            case Long l -> (float) l;
            default -> throw wrongType(key, v, "a number");
        });
    }

    public Optional<Boolean> bool(String key) {
        return Optional.ofNullable(metadata.get(key)).map(v -> expect(key, v, Boolean.class));
    }

    public Optional<String[]> strings(String key) {
        return Optional.ofNullable(metadata.get(key)).map(v -> expect(key, v, String[].class));
    }

    public Optional<float[]> floats(String key) {
        return Optional.ofNullable(metadata.get(key)).map(v -> expect(key, v, float[].class));
    }

    public Optional<long[]> longs(String key) {
        return Optional.ofNullable(metadata.get(key)).map(v -> expect(key, v, long[].class));
    }

    /** An integer that must be present and fit in an int. */
    public int requireInt(String key) {
        long v = integer(key).orElseThrow(() -> new ModelFormatException(name + ": metadata '" + key + "' is missing"));
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new ModelFormatException(name + ": metadata '" + key + "' = " + v + " is out of range");
        }
        return (int) v;
    }

    private <T> T expect(String key, GgufValue v, Class<T> type) {
        if (!type.isInstance(v.value())) {
            throw wrongType(key, v, type.getSimpleName());
        }
        return type.cast(v.value());
    }

    private ModelFormatException wrongType(String key, GgufValue v, String wanted) {
        return new ModelFormatException(name + ": metadata '" + key + "' should be " + wanted + " but is "
                + (v.type() == GgufValueType.ARRAY ? "an array of " + v.elementType() : v.type()));
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }

    /**
     * What closes the file's mapping, without this object: a loaded model keeps only this, so
     * that the parsed metadata (a Llama 3 file holds 280,000 merge strings, about 17 MB of
     * heap, only needed to build the tokenizer) can be collected once loading is done.
     */
    public AutoCloseable mapping() {
        return arena == null ? () -> { } : arena;
    }

    /** A bounds-checked little-endian cursor over the file. */
    private static final class Reader {
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        private final MemorySegment seg;
        private final String name;
        private long pos;

        Reader(MemorySegment seg, String name) {
            this.seg = seg;
            this.name = name;
        }

        long position() {
            return pos;
        }

        long remaining() {
            return seg.byteSize() - pos;
        }

        private void need(long bytes, String what) {
            if (bytes < 0 || bytes > remaining()) {
                throw new ModelFormatException(name + ": file is truncated: reading " + what + " at byte " + pos
                        + " needs " + (bytes < 0 ? Long.toUnsignedString(bytes) : bytes) + " bytes, but the file ends at byte "
                        + seg.byteSize());
            }
        }

        int i32(String what) {
            need(4, what);
            int v = seg.get(I32, pos);
            pos += 4;
            return v;
        }

        long u64(String what) {
            need(8, what);
            long v = seg.get(I64, pos);
            pos += 8;
            return v;
        }

        String string(String what) {
            long len = u64("length of " + what);
            if (len < 0 || len > MAX_STRING_BYTES) {
                throw new ModelFormatException(name + ": " + what + " claims a length of " + Long.toUnsignedString(len)
                        + " bytes at byte " + (pos - 8) + ", which is impossible");
            }
            need(len, what);
            byte[] bytes = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
            pos += len;
            // Invalid UTF-8 (rare, in a few vocabularies) becomes U+FFFD rather than failing.
            return new String(bytes, StandardCharsets.UTF_8);
        }

        GgufValue value(GgufValueType type, String key) {
            return switch (type) {
                case ARRAY -> array(key);
                case STRING -> GgufValue.string(string("value of '" + key + "'"));
                default -> new GgufValue(type, null, scalar(type, key));
            };
        }

        private Object scalar(GgufValueType type, String key) {
            need(type.size(), "value of '" + key + "'");
            long p = pos;
            pos += type.size();
            return switch (type) {
                case UINT8 -> (long) (seg.get(ValueLayout.JAVA_BYTE, p) & 0xff);
                case INT8 -> (long) seg.get(ValueLayout.JAVA_BYTE, p);
                case UINT16 -> (long) (seg.get(I16, p) & 0xffff);
                case INT16 -> (long) seg.get(I16, p);
                case UINT32 -> seg.get(I32, p) & 0xffffffffL;
                case INT32 -> (long) seg.get(I32, p);
                case UINT64, INT64 -> seg.get(I64, p);
                case FLOAT32 -> seg.get(F32, p);
                case FLOAT64 -> seg.get(F64, p);
                case BOOL -> {
                    byte b = seg.get(ValueLayout.JAVA_BYTE, p);
                    if (b != 0 && b != 1) {
                        throw new ModelFormatException(name + ": metadata '" + key + "' is a bool with value " + b);
                    }
                    yield b == 1;
                }
                default -> throw new IllegalStateException(type.toString());
            };
        }

        private GgufValue array(String key) {
            int elemId = i32("array type of '" + key + "'");
            GgufValueType elem = GgufValueType.fromId(elemId);
            if (elem == null || elem == GgufValueType.ARRAY) {
                throw new ModelFormatException(name + ": metadata '" + key + "' is an array of unsupported type "
                        + Integer.toUnsignedString(elemId));
            }
            long count = u64("array length of '" + key + "'");
            long minElementBytes = elem == GgufValueType.STRING ? 8 : elem.size();
            if (count < 0 || count > remaining() / minElementBytes || count > Integer.MAX_VALUE - 8) {
                throw new ModelFormatException(name + ": metadata '" + key + "' claims " + Long.toUnsignedString(count)
                        + " array elements, more than the file can hold: the file is truncated or corrupt");
            }
            int n = (int) count;
            Object values = switch (elem) {
                case STRING -> {
                    String[] a = new String[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = string("element " + i + " of '" + key + "'");
                    }
                    yield a;
                }
                case FLOAT32 -> {
                    need((long) n * 4, "'" + key + "'");
                    float[] a = seg.asSlice(pos, (long) n * 4).toArray(F32);
                    pos += (long) n * 4;
                    yield a;
                }
                case FLOAT64 -> {
                    need((long) n * 8, "'" + key + "'");
                    double[] a = seg.asSlice(pos, (long) n * 8).toArray(F64);
                    pos += (long) n * 8;
                    yield a;
                }
                case BOOL -> {
                    boolean[] a = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = (Boolean) scalar(elem, key);
                    }
                    yield a;
                }
                default -> {
                    long[] a = new long[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = (Long) scalar(elem, key);
                    }
                    yield a;
                }
            };
            return new GgufValue(GgufValueType.ARRAY, elem, values);
        }

        GgufTensorInfo tensorInfo(long index) {
            String tname = string("name of tensor " + index);
            int nDims = i32("dimension count of tensor '" + tname + "'");
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw new ModelFormatException(name + ": tensor '" + tname + "' has " + nDims
                        + " dimensions; GGUF tensors have 1 to " + MAX_DIMS);
            }
            long[] dims = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                dims[d] = u64("dimension " + d + " of tensor '" + tname + "'");
                if (dims[d] <= 0 || dims[d] > (1L << 40)) {
                    throw new ModelFormatException(name + ": tensor '" + tname + "' has an impossible dimension "
                            + Long.toUnsignedString(dims[d]));
                }
                if (elements > Long.MAX_VALUE / dims[d]) {
                    throw new ModelFormatException(name + ": tensor '" + tname + "' has too many elements");
                }
                elements *= dims[d];
            }
            int typeId = i32("type of tensor '" + tname + "'");
            GgmlType type = GgmlType.fromId(typeId).orElseThrow(() -> new ModelFormatException(
                    name + ": tensor '" + tname + "' has unknown type id " + Integer.toUnsignedString(typeId)));
            if (dims[0] % type.blockSize() != 0) {
                throw new ModelFormatException(name + ": tensor '" + tname + "' of type " + type + " has a row of "
                        + dims[0] + " values, not a multiple of the block size " + type.blockSize());
            }
            if (elements / type.blockSize() > seg.byteSize() / type.bytesPerBlock()) {
                throw new ModelFormatException(name + ": tensor '" + tname + "' has " + elements
                        + " values, more than the whole file could hold");
            }
            long offset = u64("offset of tensor '" + tname + "'");
            if (offset < 0) {
                throw new ModelFormatException(name + ": tensor '" + tname + "' has an impossible offset "
                        + Long.toUnsignedString(offset));
            }
            return new GgufTensorInfo(tname, dims, type, offset);
        }
    }

    /** All tensor names in file order. */
    public List<String> tensorNames() {
        return List.copyOf(tensors.keySet());
    }
}
