package dev.mycel.model.engine;

import dev.mycel.model.ModelFormatException;
import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.llama.GgufLlamaLoader;
import dev.mycel.model.llama.LayerSpan;
import dev.mycel.model.llama.LayerWeights;
import dev.mycel.model.llama.LlamaConfig;
import dev.mycel.model.llama.LlamaModel;
import dev.mycel.model.llama.LlamaWeights;
import dev.mycel.model.safetensors.HfModel;
import dev.mycel.model.safetensors.SafetensorsLlamaLoader;
import dev.mycel.model.tokenizer.Tokenizer;
import dev.mycel.model.tokenizer.Tokenizers;
import dev.mycel.tensor.ThreadPool;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model ready to run on this machine: its weights (mapped from the file), tokenizer and a
 * thread pool. Opens GGUF files and Hugging Face directories (config.json, safetensors,
 * tokenizer.json) alike.
 */
public final class LoadedModel implements AutoCloseable {
    /** The file formats a model can come in. */
    public enum Format { GGUF, SAFETENSORS }

    private final Path source;
    private final Format format;
    private final AutoCloseable file;
    /** The quantized matrices' tiles (see {@link dev.mycel.tensor.WeightMatrix}); closed with the model. */
    private final Arena tiles;
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final ThreadPool pool;

    private LoadedModel(Path source, Format format, AutoCloseable file, Arena tiles, LlamaModel model,
                        Tokenizer tokenizer, ThreadPool pool) {
        this.source = source;
        this.format = format;
        this.file = file;
        this.tiles = tiles;
        this.model = model;
        this.tokenizer = tokenizer;
        this.pool = pool;
    }

    /** Opens a GGUF file or a Hugging Face model directory and runs it with {@code threads} threads. */
    public static LoadedModel open(Path path, int threads) {
        return open(path, threads, null);
    }

    /**
     * Opens only part of a model: the blocks of {@code span} and, if it says so, the embedding and
     * the head (null = everything). Nothing outside the span is read from the file beyond its
     * table of contents, which is how a block server holds only the blocks it serves.
     */
    public static LoadedModel open(Path path, int threads, LayerSpan span) {
        if (!Files.exists(path)) {
            throw new ModelFormatException(path + ": no such file or directory");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, not " + threads);
        }
        if (Files.isDirectory(path) || HfModel.looksLikeHfModel(path)) {
            return openHf(path, threads, span);
        }
        return openGguf(path, threads, span);
    }

    private static LoadedModel openGguf(Path path, int threads, LayerSpan span) {
        GgufFile gguf = GgufFile.open(path);
        Arena tiles = Arena.ofShared();
        ThreadPool pool = null;
        try {
            LlamaConfig config = GgufLlamaLoader.config(gguf);
            Tokenizer tokenizer = Tokenizers.fromGguf(gguf);
            LlamaWeights weights = GgufLlamaLoader.weights(gguf, config,
                    span == null ? LayerSpan.all(config.layers()) : span, tiles);
            checkVocabulary(path, config, tokenizer);
            pool = new ThreadPool(threads);
            return new LoadedModel(path, Format.GGUF, gguf.mapping(), tiles, new LlamaModel(config, weights, pool), tokenizer, pool);
        } catch (RuntimeException e) {
            if (pool != null) {
                pool.close();
            }
            tiles.close();
            gguf.close();
            throw e;
        }
    }

    private static LoadedModel openHf(Path path, int threads, LayerSpan span) {
        HfModel hf = HfModel.open(path);
        ThreadPool pool = null;
        try {
            LlamaConfig config = SafetensorsLlamaLoader.config(hf);
            Tokenizer tokenizer = Tokenizers.fromHuggingFace(hf.directory());
            LlamaWeights weights = SafetensorsLlamaLoader.weights(hf, config,
                    span == null ? LayerSpan.all(config.layers()) : span);
            checkVocabulary(path, config, tokenizer);
            pool = new ThreadPool(threads);
            return new LoadedModel(path, Format.SAFETENSORS, hf, null, new LlamaModel(config, weights, pool), tokenizer,
                    pool);
        } catch (RuntimeException e) {
            if (pool != null) {
                pool.close();
            }
            hf.close();
            throw e;
        }
    }

    private static void checkVocabulary(Path path, LlamaConfig config, Tokenizer tokenizer) {
        // Models may pad their embedding beyond the tokenizer (Qwen2 does); never the reverse.
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new ModelFormatException(path + ": the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but the model only " + config.vocabSize());
        }
    }

    public Path source() {
        return source;
    }

    public Format format() {
        return format;
    }

    public LlamaModel model() {
        return model;
    }

    public LlamaConfig config() {
        return model.config();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public ThreadPool pool() {
        return pool;
    }

    /**
     * Part of this model as a model of its own, on a pool of {@code threads} threads of its own,
     * sharing this model's weights instead of loading them again: blocks {@code [span.first(),
     * span.end())} (none when they are equal) and the embedding and head where the span asks for
     * them (this model must hold all it asks for). For running the parts of one model as the
     * separate processes of a route would, with no second copy of the weights in memory, so that
     * they compute on the very bytes the whole model does. Closing the part closes only its pool;
     * the weights live until this model is closed.
     */
    public LoadedModel share(LayerSpan span, int threads) {
        LlamaWeights w = model.weights();
        if ((span.embedding() && !w.hasEmbedding()) || (span.head() && !w.hasHead())) {
            throw new IllegalArgumentException("this model does not hold the embedding or head asked for");
        }
        // slice checks that the blocks are held
        LayerWeights[] layers = span.end() > span.first() ? w.slice(span.first(), span.end()).layers() : new LayerWeights[0];
        LlamaWeights part = new LlamaWeights(span.embedding() ? w.embedding() : null, layers, span.first(),
                span.head() ? w.outputNorm() : null, span.head() ? w.output() : null, w.ropeFreqFactors());
        ThreadPool own = new ThreadPool(threads);
        return new LoadedModel(source, format, () -> { }, null, new LlamaModel(model.config(), part, own), tokenizer, own);
    }

    @Override
    public void close() {
        pool.close();
        if (tiles != null) {
            tiles.close();
        }
        try {
            file.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing " + source + ": " + e.getMessage(), e);
        }
    }
}
