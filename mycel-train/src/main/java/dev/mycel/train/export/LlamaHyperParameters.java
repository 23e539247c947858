package dev.mycel.train.export;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shape of a Llama model as a GGUF file describes it: what an exporter needs from the model
 * besides its weights.
 *
 * <p>The model this describes is the one llama.cpp runs for {@code general.architecture = "llama"}:
 * token embedding; per block RMSNorm, attention with grouped keys and values (query head {@code h}
 * reads key/value head {@code h / (heads / kvHeads)}) and rotary position embeddings over adjacent
 * pairs {@code (x[2i], x[2i+1])} of each head with angle {@code pos * ropeTheta^(-2i / headDim)},
 * a residual, RMSNorm, a SwiGLU feed-forward {@code down(silu(gate(x)) * up(x))}, a residual; a
 * final RMSNorm and the output projection. No biases.
 *
 * @param vocabSize     rows of the embedding and of the output projection (for a character model:
 *                      {@link CharVocabulary#modelVocabularySize}, the characters and 3 special tokens)
 * @param dim           the embedding width ({@code llama.embedding_length})
 * @param layers        the number of blocks ({@code llama.block_count})
 * @param heads         query heads ({@code llama.attention.head_count})
 * @param kvHeads       key/value heads ({@code llama.attention.head_count_kv}), dividing {@code heads}
 * @param headDim       the width of one head, even; usually {@code dim / heads}
 * @param ffnHidden     the feed-forward width ({@code llama.feed_forward_length})
 * @param contextLength the context the model was trained for ({@code llama.context_length})
 * @param normEps       RMSNorm's epsilon ({@code llama.attention.layer_norm_rms_epsilon})
 * @param ropeTheta     RoPE's base ({@code llama.rope.freq_base})
 */
public record LlamaHyperParameters(
        int vocabSize,
        int dim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int ffnHidden,
        int contextLength,
        float normEps,
        float ropeTheta) {

    /** RMSNorm epsilon of Llama 2 and TinyLlama. */
    public static final float DEFAULT_NORM_EPS = 1e-5f;
    /** RoPE base of Llama 1 and 2. */
    public static final float DEFAULT_ROPE_THETA = 10000f;

    public LlamaHyperParameters {
        // The same bounds as the engine's LlamaConfig, so that an exported file always loads.
        check(vocabSize > 0 && vocabSize <= 1 << 22, "vocabulary size", vocabSize);
        check(dim > 0 && dim <= 1 << 16, "embedding width (dim)", dim);
        check(layers > 0 && layers <= 1024, "block count", layers);
        check(heads > 0 && heads <= 1024, "head count", heads);
        check(kvHeads > 0 && kvHeads <= heads && heads % kvHeads == 0, "key/value head count (must divide the "
                + heads + " heads)", kvHeads);
        check(headDim > 0 && headDim <= 1024 && headDim % 2 == 0, "head width (must be even)", headDim);
        check(ffnHidden > 0 && ffnHidden <= 1 << 20, "feed-forward width", ffnHidden);
        check(contextLength > 0, "context length", contextLength);
        if (!(normEps > 0 && normEps < 1)) {
            throw new IllegalArgumentException("RMSNorm epsilon " + normEps + " is out of range (0, 1)");
        }
        if (!(ropeTheta > 1) || Float.isInfinite(ropeTheta)) {
            throw new IllegalArgumentException("RoPE base " + ropeTheta + " is out of range (above 1)");
        }
    }

    /**
     * The usual shape: head width {@code dim / heads}, RMSNorm epsilon 1e-5 and RoPE base 10000.
     */
    public static LlamaHyperParameters of(int vocabSize, int dim, int layers, int heads, int kvHeads, int ffnHidden,
                                          int contextLength) {
        if (heads <= 0 || dim % heads != 0) {
            throw new IllegalArgumentException("embedding width " + dim + " is not a multiple of the head count " + heads
                    + "; give the head width explicitly");
        }
        return new LlamaHyperParameters(vocabSize, dim, layers, heads, kvHeads, dim / heads, ffnHidden, contextLength,
                DEFAULT_NORM_EPS, DEFAULT_ROPE_THETA);
    }

    /** Width of all query heads together. */
    public int qDim() {
        return heads * headDim;
    }

    /** Width of all key (or value) heads together. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /**
     * Every tensor of the model in the order the file holds them, with its shape in row-major
     * order ({@code [out, in]} for a matrix, as {@code y = W x} stores {@code W}): the names are
     * GGUF's.
     */
    public Map<String, int[]> tensorShapes() {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("token_embd.weight", new int[] {vocabSize, dim});
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            shapes.put(p + "attn_norm.weight", new int[] {dim});
            shapes.put(p + "attn_q.weight", new int[] {qDim(), dim});
            shapes.put(p + "attn_k.weight", new int[] {kvDim(), dim});
            shapes.put(p + "attn_v.weight", new int[] {kvDim(), dim});
            shapes.put(p + "attn_output.weight", new int[] {dim, qDim()});
            shapes.put(p + "ffn_norm.weight", new int[] {dim});
            shapes.put(p + "ffn_gate.weight", new int[] {ffnHidden, dim});
            shapes.put(p + "ffn_up.weight", new int[] {ffnHidden, dim});
            shapes.put(p + "ffn_down.weight", new int[] {dim, ffnHidden});
        }
        shapes.put("output_norm.weight", new int[] {dim});
        shapes.put("output.weight", new int[] {vocabSize, dim});
        return shapes;
    }

    /** The number of parameters, all tensors together. */
    public long parameterCount() {
        long n = 0;
        for (int[] shape : tensorShapes().values()) {
            long size = 1;
            for (int d : shape) {
                size *= d;
            }
            n += size;
        }
        return n;
    }

    private static void check(boolean ok, String what, long value) {
        if (!ok) {
            throw new IllegalArgumentException("model " + what + " " + value + " is out of range");
        }
    }
}
