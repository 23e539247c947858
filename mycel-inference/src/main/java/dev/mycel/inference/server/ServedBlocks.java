package dev.mycel.inference.server;

import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.llama.LayerSpan;
import dev.mycel.model.llama.LlamaConfig;
import dev.mycel.model.llama.LlamaModel;
import dev.mycel.inference.ModelHash;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The blocks a server holds: a contiguous span of one model, loaded from its file and nothing
 * else (no embedding, no head). Clients may use any sub-span of it.
 */
public final class ServedBlocks implements AutoCloseable {
    private final LoadedModel loaded;
    private final byte[] modelHash;
    private final int first;
    private final int end;
    private final Map<Long, LlamaModel> subSpans = new ConcurrentHashMap<>();

    private ServedBlocks(LoadedModel loaded, byte[] modelHash, int first, int end) {
        this.loaded = loaded;
        this.modelHash = modelHash;
        this.first = first;
        this.end = end;
    }

    /** Loads blocks {@code [first, end)} of the model file; {@code end} ≤ 0 means up to the last block. */
    public static ServedBlocks load(Path file, int first, int end, int threads) throws IOException {
        byte[] hash = ModelHash.of(file);
        LlamaConfig config;
        try (LoadedModel probe = LoadedModel.open(file, 1, new LayerSpan(0, 0, false, false))) {
            config = probe.config();
        }
        int last = end <= 0 ? config.layers() : end;
        if (first < 0 || last > config.layers() || first >= last) {
            throw new IllegalArgumentException("blocks " + first + ".." + (last - 1) + " are not within the model's 0.."
                    + (config.layers() - 1));
        }
        LoadedModel loaded = LoadedModel.open(file, threads, new LayerSpan(first, last, false, false));
        return new ServedBlocks(loaded, hash, first, last);
    }

    /**
     * Blocks {@code [first, end)} of a model already loaded in this process, sharing its weights,
     * on a pool of {@code threads} threads of its own (see {@link LoadedModel#share}): a server in
     * the same process as the model's other users, as in benchmarks against single-process runs.
     *
     * @param modelHash SHA-256 of the model's file, as {@link ModelHash#of} gives it
     */
    public static ServedBlocks sharing(LoadedModel whole, byte[] modelHash, int first, int end, int threads) {
        if (first < 0 || end > whole.config().layers() || first >= end) {
            throw new IllegalArgumentException("blocks " + first + ".." + (end - 1) + " are not within the model's 0.."
                    + (whole.config().layers() - 1));
        }
        LoadedModel part = whole.share(new LayerSpan(first, end, false, false), threads);
        return new ServedBlocks(part, modelHash.clone(), first, end);
    }

    public byte[] modelHash() {
        return modelHash.clone();
    }

    public boolean isModel(byte[] hash) {
        return java.util.Arrays.equals(modelHash, hash);
    }

    public int first() {
        return first;
    }

    public int end() {
        return end;
    }

    public LlamaConfig config() {
        return loaded.config();
    }

    /** The model over blocks {@code [a, b)}, which must lie within the served span. */
    public LlamaModel span(int a, int b) {
        if (a < first || b > end || a >= b) {
            throw new IllegalArgumentException("blocks " + a + ".." + (b - 1) + " are not served here (serving "
                    + first + ".." + (end - 1) + ")");
        }
        return subSpans.computeIfAbsent(((long) a << 32) | b, k -> a == first && b == end ? loaded.model()
                : new LlamaModel(loaded.config(), loaded.model().weights().slice(a, b), loaded.pool()));
    }

    @Override
    public void close() {
        loaded.close();
    }
}
