package dev.mycel.model.llama;

import dev.mycel.tensor.WeightMatrix;

/**
 * The weights a process holds for a model, or for a contiguous span of its blocks.
 *
 * @param embedding  token embedding (vocab, dim), or null when this process does not embed
 * @param layers     blocks {@code firstLayer .. firstLayer + layers.length - 1}
 * @param firstLayer index of {@code layers[0]} in the whole model
 * @param outputNorm final RMSNorm weight (dim,), or null without the head
 * @param output     output projection (vocab, dim), or null without the head; may be the
 *                   embedding matrix itself when the model ties them
 * @param ropeFreqFactors per-pair divisors of the RoPE frequencies (Llama 3.1 scaling), or null
 */
public record LlamaWeights(
        WeightMatrix embedding,
        LayerWeights[] layers,
        int firstLayer,
        float[] outputNorm,
        WeightMatrix output,
        float[] ropeFreqFactors) {

    public int endLayer() {
        return firstLayer + layers.length;
    }

    public boolean hasEmbedding() {
        return embedding != null;
    }

    public boolean hasHead() {
        return output != null;
    }

    /**
     * Blocks {@code [first, end)} of the ones held (indices in the whole model), without the
     * embedding or the head; the weights are shared, not copied.
     */
    public LlamaWeights slice(int first, int end) {
        if (first < firstLayer || end > endLayer() || end <= first) {
            throw new IllegalArgumentException("blocks " + first + ".." + (end - 1) + " are not within the held "
                    + firstLayer + ".." + (endLayer() - 1));
        }
        return new LlamaWeights(null, java.util.Arrays.copyOfRange(layers, first - firstLayer, end - firstLayer), first,
                null, null, ropeFreqFactors);
    }
}
