package dev.mycel.model.llama;

import dev.mycel.model.ModelFormatException;
import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.gguf.GgufTensorInfo;
import dev.mycel.tensor.GgmlType;
import dev.mycel.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.util.Set;

/**
 * Reads a Llama-family model from a GGUF file: hyper-parameters from metadata, weights as
 * matrices over the memory-mapped file. Quantized matrices copy their weights into tiles the
 * first time they multiply; everything else is read in place.
 */
public final class GgufLlamaLoader {
    /** Architectures with the Llama block structure that this engine runs. */
    public static final Set<String> ARCHITECTURES = Set.of("llama", "mistral", "qwen2");

    private GgufLlamaLoader() {
    }

    public static LlamaConfig config(GgufFile gguf) {
        String arch = gguf.string("general.architecture")
                .orElseThrow(() -> new ModelFormatException(gguf.name() + ": metadata 'general.architecture' is missing"));
        if (!ARCHITECTURES.contains(arch)) {
            throw new ModelFormatException(gguf.name() + ": architecture '" + arch + "' is not supported (Mycel runs "
                    + String.join(", ", ARCHITECTURES.stream().sorted().toList()) + ")");
        }
        if (gguf.tensors().isEmpty()) {
            throw new ModelFormatException(gguf.name() + ": the file has no tensors (a vocabulary-only file?)");
        }
        int dim = gguf.requireInt(arch + ".embedding_length");
        int layers = gguf.requireInt(arch + ".block_count");
        int heads = gguf.requireInt(arch + ".attention.head_count");
        int kvHeads = gguf.integer(arch + ".attention.head_count_kv").map(Long::intValue).orElse(heads);
        if (heads <= 0 || dim % heads != 0 && !gguf.has(arch + ".attention.key_length")) {
            throw new ModelFormatException(gguf.name() + ": embedding width " + dim + " is not a multiple of the head count " + heads);
        }
        int headDim = gguf.integer(arch + ".attention.key_length").map(Long::intValue).orElse(dim / heads);
        int valueDim = gguf.integer(arch + ".attention.value_length").map(Long::intValue).orElse(headDim);
        if (valueDim != headDim) {
            throw new ModelFormatException(gguf.name() + ": key width " + headDim + " differs from value width " + valueDim);
        }
        int ffn = gguf.requireInt(arch + ".feed_forward_length");
        int ctx = gguf.integer(arch + ".context_length").map(Long::intValue).orElse(2048);
        float eps = gguf.float32(arch + ".attention.layer_norm_rms_epsilon").orElse(1e-5f);
        float base = gguf.float32(arch + ".rope.freq_base").orElse(10000f);
        int ropeDim = gguf.integer(arch + ".rope.dimension_count").map(Long::intValue).orElse(headDim);
        float scale = 1f;
        String scaling = gguf.string(arch + ".rope.scaling.type").orElse("none");
        switch (scaling) {
            case "none" -> { }
            case "linear" -> scale = 1f / gguf.float32(arch + ".rope.scaling.factor").orElse(1f);
            default -> throw new ModelFormatException(gguf.name() + ": RoPE scaling '" + scaling + "' is not supported");
        }
        GgufTensorInfo embd = gguf.tensor("token_embd.weight")
                .orElseThrow(() -> new ModelFormatException(gguf.name() + ": tensor 'token_embd.weight' is missing"));
        int vocab = gguf.integer(arch + ".vocab_size").map(Long::intValue).orElse((int) embd.dim(1));
        boolean bias = gguf.tensor("blk.0.attn_q.bias").isPresent();
        RopeStyle style = arch.equals("qwen2") ? RopeStyle.HALVES : RopeStyle.ADJACENT;
        try {
            return new LlamaConfig(arch, dim, layers, heads, kvHeads, headDim, ffn, vocab, ctx, eps, base, ropeDim,
                    scale, style, bias);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(gguf.name() + ": " + e.getMessage());
        }
    }

    /**
     * Loads the weights of {@code span} (use {@link LayerSpan#all} for the whole model). The
     * quantized matrices' tiles are freed by the garbage collector; see
     * {@link #weights(GgufFile, LlamaConfig, LayerSpan, Arena)} to free them explicitly.
     */
    public static LlamaWeights weights(GgufFile gguf, LlamaConfig c, LayerSpan span) {
        return weights(gguf, c, span, Arena.ofAuto());
    }

    /**
     * Loads the weights of {@code span}; quantized matrices allocate their tiles (a copy of the
     * weights laid out for the kernels, see {@link WeightMatrix#of(GgmlType, java.lang.foreign.MemorySegment,
     * int, int, Arena)}) from {@code tiles}, which must stay open while the weights are used.
     */
    public static LlamaWeights weights(GgufFile gguf, LlamaConfig c, LayerSpan span, Arena tiles) {
        if (span.end() > c.layers()) {
            throw new ModelFormatException(gguf.name() + ": blocks " + span.first() + ".." + (span.end() - 1)
                    + " asked for, but the model has " + c.layers());
        }
        Tensors t = new Tensors(gguf, tiles);
        WeightMatrix embedding = span.embedding() ? t.matrix("token_embd.weight", c.vocabSize(), c.dim()) : null;
        LayerWeights[] layers = new LayerWeights[span.end() - span.first()];
        for (int l = span.first(); l < span.end(); l++) {
            String p = "blk." + l + ".";
            layers[l - span.first()] = new LayerWeights(
                    t.vector(p + "attn_norm.weight", c.dim()),
                    t.matrix(p + "attn_q.weight", c.qDim(), c.dim()),
                    t.matrix(p + "attn_k.weight", c.kvDim(), c.dim()),
                    t.matrix(p + "attn_v.weight", c.kvDim(), c.dim()),
                    c.attentionBias() ? t.vector(p + "attn_q.bias", c.qDim()) : null,
                    c.attentionBias() ? t.vector(p + "attn_k.bias", c.kvDim()) : null,
                    c.attentionBias() ? t.vector(p + "attn_v.bias", c.kvDim()) : null,
                    t.matrix(p + "attn_output.weight", c.dim(), c.qDim()),
                    t.vector(p + "ffn_norm.weight", c.dim()),
                    t.matrix(p + "ffn_gate.weight", c.ffnDim(), c.dim()),
                    t.matrix(p + "ffn_up.weight", c.ffnDim(), c.dim()),
                    t.matrix(p + "ffn_down.weight", c.dim(), c.ffnDim()));
        }
        float[] outputNorm = null;
        WeightMatrix output = null;
        if (span.head()) {
            outputNorm = t.vector("output_norm.weight", c.dim());
            output = gguf.tensor("output.weight").isPresent()
                    ? t.matrix("output.weight", c.vocabSize(), c.dim())
                    : t.matrix("token_embd.weight", c.vocabSize(), c.dim()); // tied embeddings
        }
        float[] freqFactors = gguf.tensor("rope_freqs.weight").isPresent()
                ? t.vector("rope_freqs.weight", c.ropeDim() / 2) : null;
        return new LlamaWeights(embedding, layers, span.first(), outputNorm, output, freqFactors);
    }

    /** Looks up tensors and checks their shapes and types. */
    private record Tensors(GgufFile gguf, Arena tiles) {
        GgufTensorInfo info(String name) {
            return gguf.tensor(name).orElseThrow(() -> new ModelFormatException(gguf.name() + ": tensor '" + name
                    + "' is missing"));
        }

        WeightMatrix matrix(String name, int rows, int cols) {
            GgufTensorInfo i = info(name);
            if (i.nDims() != 2 || i.dim(0) != cols || i.dim(1) != rows) {
                throw new ModelFormatException(gguf.name() + ": tensor '" + name + "' has shape "
                        + java.util.Arrays.toString(i.dims()) + ", expected [" + cols + ", " + rows + "]");
            }
            if (!i.type().computable()) {
                throw new ModelFormatException(gguf.name() + ": tensor '" + name + "' has type " + i.type()
                        + ", which Mycel cannot compute with yet (supported: " + GgmlType.computableNames() + ")");
            }
            return WeightMatrix.of(i.type(), gguf.tensorData(i), rows, cols, tiles);
        }

        float[] vector(String name, int n) {
            GgufTensorInfo i = info(name);
            if (i.elementCount() != n) {
                throw new ModelFormatException(gguf.name() + ": tensor '" + name + "' has "
                        + i.elementCount() + " values, expected " + n);
            }
            if (i.type() != GgmlType.F32 && i.type() != GgmlType.F16 && i.type() != GgmlType.BF16) {
                throw new ModelFormatException(gguf.name() + ": tensor '" + name + "' has type " + i.type()
                        + "; vectors must be F32, F16 or BF16");
            }
            return WeightMatrix.of(i.type(), gguf.tensorData(i), 1, n).dequantizeRow(0);
        }
    }
}
