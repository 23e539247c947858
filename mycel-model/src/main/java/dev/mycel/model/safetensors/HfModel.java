package dev.mycel.model.safetensors;

import dev.mycel.model.ModelFormatException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Hugging Face model directory: {@code config.json} and the safetensors weights (one file or
 * shards with an index), opened together. The tokenizer files beside them are read by the
 * tokenizer package. Weights stay memory-mapped until {@link #close}, so matrices loaded from
 * this model must not be used after it is closed.
 */
public final class HfModel implements AutoCloseable {
    /** The hyper-parameter file of a model directory. */
    public static final String CONFIG_FILE = "config.json";

    private final Path directory;
    private final HfConfig config;
    private final SafetensorsCheckpoint checkpoint;

    private HfModel(Path directory, HfConfig config, SafetensorsCheckpoint checkpoint) {
        this.directory = directory;
        this.config = config;
        this.checkpoint = checkpoint;
    }

    /**
     * Opens the model in {@code path}, a directory or any file in it (such as its
     * {@code config.json}): reads and checks the configuration, maps the weights.
     */
    public static HfModel open(Path path) {
        Path dir = Files.isRegularFile(path) ? path.toAbsolutePath().getParent() : path;
        if (!Files.isDirectory(dir)) {
            throw new ModelFormatException(path + ": no such model directory");
        }
        HfConfig config = HfConfig.read(dir.resolve(CONFIG_FILE));
        return new HfModel(dir, config, SafetensorsCheckpoint.open(dir));
    }

    /**
     * Whether {@code path} looks like a Hugging Face model (a directory, or a file in one, with
     * {@code config.json} and safetensors weights), for choosing a loader before opening.
     */
    public static boolean looksLikeHfModel(Path path) {
        Path dir = Files.isRegularFile(path) ? path.toAbsolutePath().getParent() : path;
        if (dir == null || !Files.isDirectory(dir) || !Files.isRegularFile(dir.resolve(CONFIG_FILE))) {
            return false;
        }
        if (Files.isRegularFile(dir.resolve(SafetensorsCheckpoint.INDEX_FILE))) {
            return true;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.safetensors")) {
            return ds.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    public Path directory() {
        return directory;
    }

    public HfConfig config() {
        return config;
    }

    public SafetensorsCheckpoint checkpoint() {
        return checkpoint;
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
