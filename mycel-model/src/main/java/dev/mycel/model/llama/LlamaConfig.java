package dev.mycel.model.llama;

import dev.mycel.model.ModelFormatException;

/**
 * Hyper-parameters of a Llama-family transformer (Llama 1/2/3/3.1/3.2, Mistral, Qwen2/2.5).
 *
 * @param architecture  the GGUF architecture name ("llama", "qwen2", ...)
 * @param dim           embedding width
 * @param layers        number of transformer blocks
 * @param heads         query heads
 * @param kvHeads       key/value heads (grouped-query attention when fewer than {@code heads})
 * @param headDim       width of one head
 * @param ffnDim        hidden width of the feed-forward network
 * @param vocabSize     rows of the embedding and output matrices
 * @param contextLength longest context the model was trained for
 * @param normEps       RMSNorm epsilon
 * @param ropeBase      RoPE frequency base (theta)
 * @param ropeDim       leading values of a head that RoPE rotates
 * @param ropeScale     linear RoPE position scale (1 when unscaled)
 * @param ropeStyle     pairing of rotated values
 * @param attentionBias whether the q/k/v projections carry biases (Qwen2)
 */
public record LlamaConfig(
        String architecture,
        int dim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int ffnDim,
        int vocabSize,
        int contextLength,
        float normEps,
        float ropeBase,
        int ropeDim,
        float ropeScale,
        RopeStyle ropeStyle,
        boolean attentionBias) {

    public LlamaConfig {
        check(dim > 0 && dim <= 1 << 16, "embedding width", dim);
        check(layers > 0 && layers <= 1024, "block count", layers);
        check(heads > 0 && heads <= 1024, "head count", heads);
        check(kvHeads > 0 && kvHeads <= heads && heads % kvHeads == 0, "key/value head count", kvHeads);
        check(headDim > 0 && headDim <= 1024 && headDim % 2 == 0, "head width", headDim);
        check(ffnDim > 0 && ffnDim <= 1 << 20, "feed-forward width", ffnDim);
        check(vocabSize > 0 && vocabSize <= 1 << 22, "vocabulary size", vocabSize);
        check(contextLength > 0, "context length", contextLength);
        check(ropeDim > 0 && ropeDim <= headDim && ropeDim % 2 == 0, "RoPE dimension", ropeDim);
        if (!(normEps > 0 && normEps < 1)) {
            throw new ModelFormatException("RMSNorm epsilon " + normEps + " is out of range");
        }
        if (!(ropeBase > 1) || !(ropeScale > 0)) {
            throw new ModelFormatException("RoPE base " + ropeBase + " / scale " + ropeScale + " is out of range");
        }
    }

    private static void check(boolean ok, String what, long value) {
        if (!ok) {
            throw new ModelFormatException("model " + what + " " + value + " is out of range");
        }
    }

    /** Width of all query heads together. */
    public int qDim() {
        return heads * headDim;
    }

    /** Width of all key (or value) heads together. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Query heads that share one key/value head. */
    public int groupSize() {
        return heads / kvHeads;
    }
}
