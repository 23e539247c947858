package dev.mycel.model.llama;

import dev.mycel.tensor.WeightMatrix;

/**
 * The weights of one transformer block. Matrices are (out, in): {@code wq} is (qDim, dim).
 * Biases are null unless the architecture has them (Qwen2's q/k/v).
 */
public record LayerWeights(
        float[] attnNorm,   // (dim,)
        WeightMatrix wq,    // (qDim, dim)
        WeightMatrix wk,    // (kvDim, dim)
        WeightMatrix wv,    // (kvDim, dim)
        float[] bq,         // (qDim,) or null
        float[] bk,         // (kvDim,) or null
        float[] bv,         // (kvDim,) or null
        WeightMatrix wo,    // (dim, qDim)
        float[] ffnNorm,    // (dim,)
        WeightMatrix wGate, // (ffnDim, dim)
        WeightMatrix wUp,   // (ffnDim, dim)
        WeightMatrix wDown) { // (dim, ffnDim)
}
