package dev.mycel.model.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mycel.model.ModelFormatException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The weights of a Hugging Face model directory: one {@code model.safetensors}, or shards named
 * by {@code model.safetensors.index.json} ({@code {"weight_map": {tensor: file}}}), looked up by
 * tensor name whichever file holds them. All files stay mapped until {@link #close}.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    /** The file that lists the shards of a sharded checkpoint. */
    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** The name of an unsharded checkpoint. */
    public static final String SINGLE_FILE = "model.safetensors";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A tensor and the file that holds it. */
    public record Entry(SafetensorsFile file, SafetensorsTensor tensor) {
        /** The tensor's bytes, in place in the mapped file. */
        public MemorySegment data() {
            return file.tensorData(tensor);
        }
    }

    private final Path directory;
    private final String source;
    private final List<SafetensorsFile> files;
    private final Map<String, Entry> entries;

    private SafetensorsCheckpoint(Path directory, String source, List<SafetensorsFile> files, Map<String, Entry> entries) {
        this.directory = directory;
        this.source = source;
        this.files = List.copyOf(files);
        this.entries = Collections.unmodifiableMap(entries);
    }

    /**
     * Opens the checkpoint in {@code dir}: the shards of {@value #INDEX_FILE} when it exists,
     * else {@value #SINGLE_FILE}, else the directory's only {@code .safetensors} file.
     */
    public static SafetensorsCheckpoint open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ModelFormatException(dir + ": not a directory");
        }
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return openIndex(dir, index);
        }
        Path single = dir.resolve(SINGLE_FILE);
        if (!Files.isRegularFile(single)) {
            List<Path> found = safetensorsFiles(dir);
            if (found.isEmpty()) {
                throw new ModelFormatException(dir + ": no " + SINGLE_FILE + ", " + INDEX_FILE
                        + " or other .safetensors file");
            }
            if (found.size() > 1) {
                throw new ModelFormatException(dir + ": " + found.size() + " .safetensors files but no " + INDEX_FILE
                        + " to say which tensors they hold");
            }
            single = found.getFirst();
        }
        SafetensorsFile file = SafetensorsFile.open(single);
        Map<String, Entry> entries = new LinkedHashMap<>();
        file.tensors().values().forEach(t -> entries.put(t.name(), new Entry(file, t)));
        return new SafetensorsCheckpoint(dir, file.name(), List.of(file), entries);
    }

    private static List<Path> safetensorsFiles(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.safetensors")) {
            ds.forEach(p -> {
                if (Files.isRegularFile(p)) {
                    out.add(p);
                }
            });
        } catch (IOException e) {
            throw new ModelFormatException(dir + ": cannot list: " + e.getMessage(), e);
        }
        out.sort(null);
        return out;
    }

    private static SafetensorsCheckpoint openIndex(Path dir, Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(index + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new ModelFormatException(index + ": cannot read: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new ModelFormatException(index + ": 'weight_map' is missing or empty");
        }
        Map<String, SafetensorsFile> byFile = new LinkedHashMap<>();
        Map<String, Entry> entries = new LinkedHashMap<>();
        try {
            for (var e : map.properties()) {
                String tensor = e.getKey();
                JsonNode fileNode = e.getValue();
                if (!fileNode.isTextual() || !isPlainFileName(fileNode.asText())) {
                    throw new ModelFormatException(index + ": tensor '" + tensor + "' is mapped to " + fileNode
                            + ", which is not a file name in the model directory");
                }
                String fileName = fileNode.asText();
                SafetensorsFile file = byFile.get(fileName);
                if (file == null) {
                    Path p = dir.resolve(fileName);
                    if (!Files.isRegularFile(p)) {
                        throw new ModelFormatException(index + ": shard '" + fileName + "' (holding '" + tensor
                                + "') is missing");
                    }
                    file = SafetensorsFile.open(p);
                    byFile.put(fileName, file);
                }
                SafetensorsFile holder = file;
                SafetensorsTensor t = file.tensor(tensor).orElseThrow(() -> new ModelFormatException(index
                        + ": tensor '" + tensor + "' should be in " + fileName + ", but that file does not hold it"));
                entries.put(tensor, new Entry(holder, t));
            }
        } catch (RuntimeException e) {
            byFile.values().forEach(SafetensorsFile::close);
            throw e;
        }
        return new SafetensorsCheckpoint(dir, index.toString(), new ArrayList<>(byFile.values()), entries);
    }

    /** A shard must be a file beside the index: no separators, no parent references. */
    private static boolean isPlainFileName(String s) {
        return !s.isEmpty() && !s.equals(".") && !s.equals("..") && s.indexOf('/') < 0 && s.indexOf('\\') < 0
                && s.indexOf(':') < 0 && s.indexOf('\0') < 0;
    }

    /** The model directory. */
    public Path directory() {
        return directory;
    }

    /** The index file, or the single safetensors file: what messages about missing tensors name. */
    public String source() {
        return source;
    }

    /** The mapped files. */
    public List<SafetensorsFile> files() {
        return files;
    }

    /** Every tensor name, in index or header order. */
    public Set<String> tensorNames() {
        return entries.keySet();
    }

    public boolean has(String tensorName) {
        return entries.containsKey(tensorName);
    }

    public Optional<Entry> tensor(String tensorName) {
        return Optional.ofNullable(entries.get(tensorName));
    }

    /** The tensor, or an error naming it and where it was looked for. */
    public Entry require(String tensorName) {
        Entry e = entries.get(tensorName);
        if (e == null) {
            throw new ModelFormatException(source + ": tensor '" + tensorName + "' is missing");
        }
        return e;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
