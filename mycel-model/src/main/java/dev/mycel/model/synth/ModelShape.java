package dev.mycel.model.synth;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The exact hyper-parameters of well-known models, for synthetic GGUF files with random
 * weights: benchmarks and tests of large models without downloading them. Values are those of
 * the published config.json files.
 */
public enum ModelShape {
    /** The golden tiny Llama of the test data (SentencePiece vocabulary). */
    TINY("tiny", "llama", 64, 2, 4, 2, 64 / 4, 192, 256, 10000f, 1e-5f, false, Vocab.LLAMA_SPM, 0, false),
    /**
     * A tiny Llama whose rows are whole 256-value K-quant super-blocks, with the 512-token
     * stories260K vocabulary: the model of the K-quant golden test data.
     */
    TINY_K("tiny-k", "llama", 256, 2, 4, 2, 64, 768, 256, 10000f, 1e-5f, false, Vocab.STORIES260K, 0, false),
    /**
     * A tiny Qwen2 (q/k/v biases, "halves" RoPE, tied embeddings, RoPE base 1e6) with the
     * stories260K vocabulary: a model of the architecture golden test data.
     */
    TINY_QWEN2("tiny-qwen2", "qwen2", 64, 2, 4, 2, 16, 192, 256, 1000000f, 1e-6f, true, Vocab.STORIES260K, 0, true),
    /**
     * A tiny Llama 3.x (tied embeddings, RoPE base 500000, Llama 3.1 RoPE frequency factors with
     * factor 32) with the stories260K vocabulary: a model of the architecture golden test data.
     * With 8 rotated pairs per head, the factors are 1 for pairs 0-3, about 3.29 for pair 4 (the
     * interpolated band) and 32 for pairs 5-7.
     */
    TINY_LLAMA3("tiny-llama3", "llama", 64, 2, 4, 2, 16, 192, 256, 500000f, 1e-5f, true, Vocab.STORIES260K, 32,
            false),
    LLAMA_3_2_1B("llama-3.2-1b", "llama", 2048, 16, 32, 8, 64, 8192, 131072, 500000f, 1e-5f, true,
            Vocab.LLAMA3, 32, false),
    LLAMA_3_2_3B("llama-3.2-3b", "llama", 3072, 28, 24, 8, 128, 8192, 131072, 500000f, 1e-5f, true,
            Vocab.LLAMA3, 32, false),
    LLAMA_3_1_8B("llama-3.1-8b", "llama", 4096, 32, 32, 8, 128, 14336, 131072, 500000f, 1e-5f, false,
            Vocab.LLAMA3, 8, false),
    LLAMA_2_7B("llama-2-7b", "llama", 4096, 32, 32, 32, 128, 11008, 4096, 10000f, 1e-5f, false,
            Vocab.LLAMA_SPM, 0, false),
    MISTRAL_7B("mistral-7b", "llama", 4096, 32, 32, 8, 128, 14336, 32768, 1000000f, 1e-5f, false,
            Vocab.LLAMA_SPM, 0, false),
    QWEN2_5_0_5B("qwen2.5-0.5b", "qwen2", 896, 24, 14, 2, 64, 4864, 32768, 1000000f, 1e-6f, true,
            Vocab.QWEN2, 0, true);

    /** Where a shape's tokenizer comes from: a vocabulary-only GGUF shipped as a resource. */
    public enum Vocab {
        LLAMA_SPM("ggml-vocab-llama-spm.gguf.gz"),
        LLAMA3("ggml-vocab-llama-bpe.gguf.gz"),
        QWEN2("ggml-vocab-qwen2.gguf.gz"),
        STORIES260K("ggml-vocab-stories260k.gguf.gz");

        private final String resource;

        Vocab(String resource) {
            this.resource = resource;
        }

        public String resource() {
            return resource;
        }
    }

    private final String id;
    private final String architecture;
    private final int dim;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int ffnDim;
    private final int contextLength;
    private final float ropeBase;
    private final float normEps;
    private final boolean tiedEmbeddings;
    private final Vocab vocab;
    private final float llama3RopeFactor;
    private final boolean attentionBias;

    ModelShape(String id, String architecture, int dim, int layers, int heads, int kvHeads, int headDim, int ffnDim,
               int contextLength, float ropeBase, float normEps, boolean tiedEmbeddings, Vocab vocab,
               float llama3RopeFactor, boolean attentionBias) {
        this.id = id;
        this.architecture = architecture;
        this.dim = dim;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.ffnDim = ffnDim;
        this.contextLength = contextLength;
        this.ropeBase = ropeBase;
        this.normEps = normEps;
        this.tiedEmbeddings = tiedEmbeddings;
        this.vocab = vocab;
        this.llama3RopeFactor = llama3RopeFactor;
        this.attentionBias = attentionBias;
    }

    public static ModelShape parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (ModelShape s : values()) {
            if (s.id.equals(n)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown model shape '" + name + "'; known shapes: " + names());
    }

    public static String names() {
        return Arrays.stream(values()).map(ModelShape::id).collect(Collectors.joining(", "));
    }

    public String id() {
        return id;
    }

    public String architecture() {
        return architecture;
    }

    public int dim() {
        return dim;
    }

    public int layers() {
        return layers;
    }

    public int heads() {
        return heads;
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int headDim() {
        return headDim;
    }

    public int ffnDim() {
        return ffnDim;
    }

    public int contextLength() {
        return contextLength;
    }

    public float ropeBase() {
        return ropeBase;
    }

    public float normEps() {
        return normEps;
    }

    public boolean tiedEmbeddings() {
        return tiedEmbeddings;
    }

    public Vocab vocab() {
        return vocab;
    }

    /** Llama 3.1 RoPE scaling factor, or 0 when the model has none. */
    public float llama3RopeFactor() {
        return llama3RopeFactor;
    }

    public boolean attentionBias() {
        return attentionBias;
    }
}
