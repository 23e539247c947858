package dev.mycel.train.models;

/**
 * Hyper-parameters of a {@link TinyLlama}.
 *
 * @param vocab tokens in the vocabulary (rows of the embedding and of the output head)
 * @param dim embedding width
 * @param layers transformer blocks
 * @param heads query heads; {@code dim / heads} is the head width, which must be even for RoPE
 * @param kvHeads key/value heads, dividing {@code heads} (fewer: grouped-query attention)
 * @param ffnHidden hidden width of the SwiGLU feed-forward network
 * @param context longest sequence the model is trained on (RoPE positions 0 .. context−1)
 * @param normEps RMSNorm epsilon, 1e-5 as in Llama 2
 * @param ropeTheta RoPE frequency base, 10000 as in Llama 1 and 2
 */
public record TinyLlamaConfig(int vocab, int dim, int layers, int heads, int kvHeads, int ffnHidden, int context,
        float normEps, float ropeTheta) {

    public TinyLlamaConfig {
        require(vocab > 0, "vocabulary size must be positive", vocab);
        require(dim > 0, "width must be positive", dim);
        require(layers > 0, "layer count must be positive", layers);
        require(heads > 0 && dim % heads == 0, "head count must divide the width " + dim, heads);
        require((dim / Math.max(heads, 1)) % 2 == 0, "head width must be even for RoPE", dim / Math.max(heads, 1));
        require(kvHeads > 0 && heads % kvHeads == 0, "key/value head count must divide the head count " + heads,
                kvHeads);
        require(ffnHidden > 0, "feed-forward width must be positive", ffnHidden);
        require(context > 0, "context must be positive", context);
        if (!(normEps > 0f && normEps < 1f)) {
            throw new IllegalArgumentException("RMSNorm epsilon must be in (0, 1), not " + normEps);
        }
        if (!(ropeTheta > 1f)) {
            throw new IllegalArgumentException("RoPE base must exceed 1, not " + ropeTheta);
        }
    }

    /** With Llama 2's epsilon (1e-5) and RoPE base (10000). */
    public TinyLlamaConfig(int vocab, int dim, int layers, int heads, int kvHeads, int ffnHidden, int context) {
        this(vocab, dim, layers, heads, kvHeads, ffnHidden, context, 1e-5f, 10000f);
    }

    public int headDim() {
        return dim / heads;
    }

    /** Width of the key (and value) projections. */
    public int kvDim() {
        return kvHeads * headDim();
    }

    /** Number of trainable values. */
    public long parameterCount() {
        long perLayer = 2L * dim                    // two norms
                + (long) dim * dim * 2               // q and output
                + 2L * kvDim() * dim                 // k and v
                + 3L * ffnHidden * dim;              // gate, up, down
        return 2L * vocab * dim + layers * perLayer + dim;
    }

    private static void require(boolean ok, String what, int value) {
        if (!ok) {
            throw new IllegalArgumentException(what + ", not " + value);
        }
    }
}
