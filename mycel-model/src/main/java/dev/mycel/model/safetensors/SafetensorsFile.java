package dev.mycel.model.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mycel.model.ModelFormatException;
import dev.mycel.tensor.GgmlType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A safetensors file, memory-mapped: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}},
 * then the tensor data. The header is parsed and checked when the file is opened; tensor data
 * is never copied and is read in place through {@link #tensorData}. Files larger than 2 GiB are
 * fine, since the map is one {@link MemorySegment}.
 *
 * <p>Every tensor's dtype, shape and byte range are checked against each other and against the
 * file's length, and no two tensors may share bytes, so a truncated or hostile file gives a
 * {@link ModelFormatException} naming the problem rather than wrong numbers or a crash later.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The format's own limit on the header, which also keeps a corrupt length from allocating gigabytes. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Key of the optional string-to-string metadata entry of the header. */
    public static final String METADATA_KEY = "__metadata__";

    private static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Arena arena;
    private final MemorySegment file;
    private final long dataOffset;
    private final Map<String, String> metadata;
    private final Map<String, SafetensorsTensor> tensors;

    private SafetensorsFile(String name, Arena arena, MemorySegment file) {
        this.name = name;
        this.arena = arena;
        this.file = file;
        long size = file.byteSize();
        if (size < 8) {
            throw new ModelFormatException(name + ": only " + size + " bytes, too short for a safetensors file "
                    + "(its 8-byte header length alone is missing)");
        }
        long headerLength = file.get(U64_LE, 0);
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new ModelFormatException(name + ": header length " + Long.toUnsignedString(headerLength)
                    + " is absurd (the format allows at most " + MAX_HEADER_BYTES + " bytes); not a safetensors file?");
        }
        if (headerLength > size - 8) {
            throw new ModelFormatException(name + ": header length " + headerLength + " runs past the end of the file ("
                    + size + " bytes); the file is truncated or not a safetensors file");
        }
        this.dataOffset = 8 + headerLength;
        byte[] header = file.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        Map<String, String> meta = Map.of();
        List<SafetensorsTensor> list = new ArrayList<>();
        try (JsonParser p = JSON.createParser(header)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ModelFormatException(name + ": the header is not a JSON object; not a safetensors file?");
            }
            Map<String, JsonNode> entries = fields(p, "the header", "tensor");
            if (p.nextToken() != null) {
                throw new ModelFormatException(name + ": the header has text after its JSON object");
            }
            for (var e : entries.entrySet()) {
                if (e.getKey().equals(METADATA_KEY)) {
                    meta = metadata(e.getValue());
                } else {
                    list.add(tensor(e.getKey(), e.getValue()));
                }
            }
        } catch (JsonProcessingException e) {
            String at = e.getLocation() != null && e.getLocation().getByteOffset() >= 0
                    ? " at byte " + (8 + e.getLocation().getByteOffset()) : "";
            throw new ModelFormatException(name + ": the header is not valid JSON (" + e.getOriginalMessage() + at + ")", e);
        } catch (IOException e) {
            throw new ModelFormatException(name + ": cannot read the header: " + e.getMessage(), e);
        }
        this.metadata = Collections.unmodifiableMap(meta);
        checkLayout(list);
        Map<String, SafetensorsTensor> byName = new LinkedHashMap<>();
        for (SafetensorsTensor t : list) {
            byName.put(t.name(), t);
        }
        this.tensors = Collections.unmodifiableMap(byName);
    }

    /** Opens and memory-maps a safetensors file. */
    public static SafetensorsFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return new SafetensorsFile(path.toString(), arena, seg);
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

    /** Parses a safetensors image already in memory (tests, fuzzing); {@code name} is used in messages. */
    public static SafetensorsFile parse(MemorySegment image, String name) {
        return new SafetensorsFile(name, null, image);
    }

    /**
     * Reads the members of the object whose START_OBJECT was just read, refusing a key that
     * appears twice (JSON parsers would otherwise keep the last one silently).
     */
    private Map<String, JsonNode> fields(JsonParser p, String where, String what) throws IOException {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            p.nextToken();
            JsonNode value = p.readValueAsTree();
            if (out.put(key, value) != null) {
                throw new ModelFormatException(name + ": " + what + " '" + key + "' appears twice in " + where);
            }
        }
        return out;
    }

    private Map<String, String> metadata(JsonNode node) {
        if (!node.isObject()) {
            throw new ModelFormatException(name + ": '" + METADATA_KEY + "' should be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new ModelFormatException(name + ": metadata '" + e.getKey() + "' should be a string, not "
                        + e.getValue());
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    private SafetensorsTensor tensor(String tensorName, JsonNode node) {
        String what = name + ": tensor '" + tensorName + "'";
        if (!node.isObject()) {
            throw new ModelFormatException(what + ": its header entry should be an object, not " + node);
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new ModelFormatException(what + ": 'dtype' is missing or not a string");
        }
        SafetensorsDtype dtype = SafetensorsDtype.parse(dtypeNode.asText()).orElseThrow(() -> new ModelFormatException(
                what + " has unknown dtype '" + dtypeNode.asText() + "' (safetensors dtypes: "
                        + Arrays.toString(SafetensorsDtype.values()) + ")"));
        long[] shape = longs(node.get("shape"), what, "shape", -1);
        long[] offsets = longs(node.get("data_offsets"), what, "data_offsets", 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw new ModelFormatException(what + ": data_offsets [" + begin + ", " + end + "] end before they begin");
        }
        long elements = 1;
        for (long d : shape) {
            elements = d == 0 || elements <= Long.MAX_VALUE / d ? elements * d : -1;
            if (elements < 0) {
                throw new ModelFormatException(what + ": shape " + Arrays.toString(shape) + " is impossibly large");
            }
        }
        long expected = dtype.byteSize(elements);
        if (expected < 0) {
            throw new ModelFormatException(what + ": shape " + Arrays.toString(shape) + " of " + dtype
                    + " is not a whole number of bytes");
        }
        if (end - begin != expected) {
            throw new ModelFormatException(what + " (" + dtype + " " + Arrays.toString(shape) + ") needs " + expected
                    + " bytes, but its data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        long dataSize = file.byteSize() - dataOffset;
        if (end > dataSize) {
            throw new ModelFormatException(what + " (bytes " + begin + ".." + end + " of the data) lies beyond the end "
                    + "of the file, whose data section has " + dataSize + " bytes; the file is truncated or corrupt");
        }
        return new SafetensorsTensor(tensorName, dtype, shape, begin, end);
    }

    private static long[] longs(JsonNode node, String what, String field, int count) {
        if (node == null || !node.isArray() || (count >= 0 && node.size() != count)) {
            throw new ModelFormatException(what + ": '" + field + "' should be an array of "
                    + (count >= 0 ? count + " " : "") + "non-negative integers, not " + node);
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
                throw new ModelFormatException(what + ": '" + field + "' should hold non-negative integers, not " + node);
            }
            out[i] = v.asLong();
        }
        return out;
    }

    /** No two tensors may share a byte: a writer never produces that, and aliasing would hide corruption. */
    private void checkLayout(List<SafetensorsTensor> list) {
        List<SafetensorsTensor> sorted = list.stream().filter(t -> t.end() > t.begin())
                .sorted(Comparator.comparingLong(SafetensorsTensor::begin)).toList();
        for (int i = 1; i < sorted.size(); i++) {
            SafetensorsTensor a = sorted.get(i - 1);
            SafetensorsTensor b = sorted.get(i);
            if (b.begin() < a.end()) {
                throw new ModelFormatException(name + ": tensors '" + a.name() + "' (bytes " + a.begin() + ".." + a.end()
                        + ") and '" + b.name() + "' (bytes " + b.begin() + ".." + b.end() + ") overlap");
            }
        }
    }

    /** The file name given when it was opened, for messages. */
    public String name() {
        return name;
    }

    public long fileSize() {
        return file.byteSize();
    }

    /** Offset of the first data byte in the file: 8 plus the header length. */
    public long dataOffset() {
        return dataOffset;
    }

    /** The header's {@code __metadata__} entries (empty when there are none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor, in header order. */
    public Map<String, SafetensorsTensor> tensors() {
        return tensors;
    }

    public Optional<SafetensorsTensor> tensor(String tensorName) {
        return Optional.ofNullable(tensors.get(tensorName));
    }

    /** The bytes of a tensor, in place in the mapped file. */
    public MemorySegment tensorData(SafetensorsTensor t) {
        return file.asSlice(dataOffset + t.begin(), t.byteSize());
    }

    /** The ggml type of a tensor's dtype, or an error naming the tensor when Mycel cannot compute with it. */
    public GgmlType ggmlType(SafetensorsTensor t) {
        return t.dtype().ggmlType().orElseThrow(() -> new ModelFormatException(name + ": tensor '" + t.name()
                + "' has dtype " + t.dtype() + ", which is not supported (Mycel computes with "
                + SafetensorsDtype.supportedNames() + ")"));
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }
}
