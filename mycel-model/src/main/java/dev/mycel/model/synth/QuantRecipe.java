package dev.mycel.model.synth;

import dev.mycel.tensor.GgmlType;
import java.util.List;
import java.util.Locale;

/**
 * Which storage type each tensor of a model gets, as llama.cpp's {@code llama-quantize} decides
 * for its file types: a single type for every matrix ("pure"), or the K-quant mixes Q4_K_M and
 * Q5_K_M, which keep the output matrix in Q6_K and give Q6_K to the value projection and the
 * feed-forward down projection of the first and last eighth of the blocks and of every third
 * block between them. Norm vectors always stay F32.
 */
public record QuantRecipe(String name, GgmlType base, boolean kMix, int fileType) {
    private static final List<QuantRecipe> ALL = List.of(
            new QuantRecipe("f32", GgmlType.F32, false, 0),
            new QuantRecipe("f16", GgmlType.F16, false, 1),
            new QuantRecipe("bf16", GgmlType.BF16, false, 32),
            new QuantRecipe("q8_0", GgmlType.Q8_0, false, 7),
            new QuantRecipe("q4_0", GgmlType.Q4_0, false, 2),
            new QuantRecipe("q4_k", GgmlType.Q4_K, false, 14),
            new QuantRecipe("q5_k", GgmlType.Q5_K, false, 16),
            new QuantRecipe("q6_k", GgmlType.Q6_K, false, 18),
            new QuantRecipe("q4_k_m", GgmlType.Q4_K, true, 15),
            new QuantRecipe("q5_k_m", GgmlType.Q5_K, true, 17));

    public static QuantRecipe parse(String type) {
        String t = type.trim().toLowerCase(Locale.ROOT);
        return ALL.stream().filter(r -> r.name.equals(t)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "unknown type '" + type + "'; choose one of " + names()));
    }

    public static String names() {
        return String.join(", ", ALL.stream().map(QuantRecipe::name).toList());
    }

    /** The type of the output matrix (which is the embedding when the model ties them). */
    public GgmlType output(int cols) {
        return fit(kMix ? GgmlType.Q6_K : base, cols);
    }

    /** The type of the token embedding of a model with a separate output matrix. */
    public GgmlType embedding(int cols) {
        return fit(base, cols);
    }

    /**
     * The type of a block matrix. {@code kind} is the tensor's short name ("attn_v", "ffn_down",
     * ...), {@code layer} its block and {@code layers} the block count.
     */
    public GgmlType blockMatrix(String kind, int layer, int layers, int cols) {
        boolean moreBits = kMix && (kind.equals("attn_v") || kind.equals("ffn_down")) && useMoreBits(layer, layers);
        return fit(moreBits ? GgmlType.Q6_K : base, cols);
    }

    /** llama.cpp's choice of blocks that get more bits in the K-quant mixes. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /**
     * Rows whose length is not a whole number of the type's blocks cannot use it (Qwen2.5-0.5B's
     * 896-wide rows and 256-value K-quant blocks, say): they fall back on Q8_0, or F16.
     */
    private static GgmlType fit(GgmlType t, int cols) {
        if (cols % t.blockSize() == 0) {
            return t;
        }
        return cols % GgmlType.Q8_0.blockSize() == 0 ? GgmlType.Q8_0 : GgmlType.F16;
    }
}
