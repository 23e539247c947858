package dev.mycel.model.safetensors;

import dev.mycel.model.ModelFormatException;
import dev.mycel.model.llama.LayerSpan;
import dev.mycel.model.llama.LayerWeights;
import dev.mycel.model.llama.LlamaConfig;
import dev.mycel.model.llama.LlamaWeights;
import dev.mycel.model.llama.RopeScaling;
import dev.mycel.model.llama.RopeStyle;
import dev.mycel.tensor.WeightMatrix;
import java.util.Arrays;

/**
 * Reads a Llama-family model from a Hugging Face directory, the counterpart of
 * {@link dev.mycel.model.llama.GgufLlamaLoader}: hyper-parameters from {@code config.json},
 * weights as matrices over the memory-mapped safetensors files (nothing is copied but the
 * small norm and bias vectors).
 *
 * <p>Hugging Face checkpoints keep the query and key rows in the order of
 * transformers' {@code rotate_half}, which rotates value {@code i} of a head with value
 * {@code i + headDim/2}. llama.cpp's converter permutes those rows so that its "norm" RoPE can
 * rotate adjacent pairs; here the rows are used as stored and the model rotates halves
 * ({@link RopeStyle#HALVES}), which is the same computation.
 */
public final class SafetensorsLlamaLoader {
    private static final String LAYER = "model.layers.";

    private SafetensorsLlamaLoader() {
    }

    /** The model's hyper-parameters, with attention biases detected from the tensors as well as the config. */
    public static LlamaConfig config(HfModel model) {
        HfConfig hf = model.config();
        SafetensorsCheckpoint ckpt = model.checkpoint();
        if (ckpt.has(LAYER + "0.self_attn.o_proj.bias")) {
            throw new ModelFormatException(ckpt.source() + ": tensor '" + LAYER + "0.self_attn.o_proj.bias' is present, "
                    + "but Mycel's attention output projection has no bias");
        }
        boolean bias = hf.attentionBias() || ckpt.has(LAYER + "0.self_attn.q_proj.bias");
        float scale = 1f;
        if (hf.ropeScaling() != null && hf.ropeScaling().type().equals("linear")) {
            scale = (float) (1 / hf.ropeScaling().factor());
        }
        // Mistral's sliding window (HfConfig.slidingWindow) is not applied: attention always spans
        // the whole context, which is identical for contexts up to the window (4096 in Mistral 7B v0.1).
        try {
            return new LlamaConfig(hf.modelType(), hf.hiddenSize(), hf.layers(), hf.heads(), hf.kvHeads(), hf.headDim(),
                    hf.intermediateSize(), hf.vocabSize(), hf.maxPositions(), (float) hf.rmsNormEps(),
                    (float) hf.ropeTheta(), hf.headDim(), scale, RopeStyle.HALVES, bias);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(hf.source() + ": " + e.getMessage());
        }
    }

    /** Loads the weights of {@code span} (use {@link LayerSpan#all} for the whole model). */
    public static LlamaWeights weights(HfModel model, LlamaConfig c, LayerSpan span) {
        SafetensorsCheckpoint ckpt = model.checkpoint();
        HfConfig hf = model.config();
        if (span.end() > c.layers()) {
            throw new ModelFormatException(ckpt.source() + ": blocks " + span.first() + ".." + (span.end() - 1)
                    + " asked for, but the model has " + c.layers());
        }
        Tensors t = new Tensors(ckpt);
        String embd = "model.embed_tokens.weight";
        WeightMatrix embedding = span.embedding() ? t.matrix(embd, c.vocabSize(), c.dim()) : null;
        LayerWeights[] layers = new LayerWeights[span.end() - span.first()];
        for (int l = span.first(); l < span.end(); l++) {
            String p = LAYER + l + ".";
            String a = p + "self_attn.";
            layers[l - span.first()] = new LayerWeights(
                    t.vector(p + "input_layernorm.weight", c.dim()),
                    t.matrix(a + "q_proj.weight", c.qDim(), c.dim()),
                    t.matrix(a + "k_proj.weight", c.kvDim(), c.dim()),
                    t.matrix(a + "v_proj.weight", c.kvDim(), c.dim()),
                    c.attentionBias() ? t.vector(a + "q_proj.bias", c.qDim()) : null,
                    c.attentionBias() ? t.vector(a + "k_proj.bias", c.kvDim()) : null,
                    c.attentionBias() ? t.vector(a + "v_proj.bias", c.kvDim()) : null,
                    t.matrix(a + "o_proj.weight", c.dim(), c.qDim()),
                    t.vector(p + "post_attention_layernorm.weight", c.dim()),
                    t.matrix(p + "mlp.gate_proj.weight", c.ffnDim(), c.dim()),
                    t.matrix(p + "mlp.up_proj.weight", c.ffnDim(), c.dim()),
                    t.matrix(p + "mlp.down_proj.weight", c.dim(), c.ffnDim()));
        }
        float[] outputNorm = null;
        WeightMatrix output = null;
        if (span.head()) {
            outputNorm = t.vector("model.norm.weight", c.dim());
            if (hf.tieWordEmbeddings()) {
                output = embedding != null ? embedding : t.matrix(embd, c.vocabSize(), c.dim());
            } else if (ckpt.has("lm_head.weight")) {
                output = t.matrix("lm_head.weight", c.vocabSize(), c.dim());
            } else {
                throw new ModelFormatException(ckpt.source() + ": tensor 'lm_head.weight' is missing, and "
                        + hf.source() + " does not set tie_word_embeddings");
            }
        }
        float[] freqFactors = null;
        HfConfig.RopeScalingParams s = hf.ropeScaling();
        if (s != null && s.type().equals("llama3")) {
            freqFactors = RopeScaling.llama3Factors(c.ropeDim(), hf.ropeTheta(), s.factor(), s.lowFreqFactor(),
                    s.highFreqFactor(), s.originalMaxPositions());
        }
        return new LlamaWeights(embedding, layers, span.first(), outputNorm, output, freqFactors);
    }

    /** Looks up tensors and checks their shapes and dtypes. */
    private record Tensors(SafetensorsCheckpoint ckpt) {
        WeightMatrix matrix(String name, int rows, int cols) {
            SafetensorsCheckpoint.Entry e = ckpt.require(name);
            long[] shape = e.tensor().shape();
            if (shape.length != 2 || shape[0] != rows || shape[1] != cols) {
                throw new ModelFormatException(e.file().name() + ": tensor '" + name + "' has shape "
                        + Arrays.toString(shape) + ", expected [" + rows + ", " + cols + "]");
            }
            return WeightMatrix.of(e.file().ggmlType(e.tensor()), e.data(), rows, cols);
        }

        float[] vector(String name, int n) {
            SafetensorsCheckpoint.Entry e = ckpt.require(name);
            long[] shape = e.tensor().shape();
            if (shape.length != 1 || shape[0] != n) {
                throw new ModelFormatException(e.file().name() + ": tensor '" + name + "' has shape "
                        + Arrays.toString(shape) + ", expected [" + n + "]");
            }
            return WeightMatrix.of(e.file().ggmlType(e.tensor()), e.data(), 1, n).dequantizeRow(0);
        }
    }
}
