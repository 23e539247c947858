package dev.mycel.model.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.gguf.GgufTensorInfo;
import dev.mycel.model.llama.GgufLlamaLoader;
import dev.mycel.model.llama.LlamaConfig;
import dev.mycel.tensor.GgmlType;
import dev.mycel.tensor.WeightMatrix;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a GGUF Llama model into a Hugging Face directory, as a checkpoint that llama.cpp's
 * converter would have produced it from: HF tensor names, PyTorch shapes, and the query/key rows
 * put back in transformers' rotate-half order.
 *
 * <p>llama.cpp's {@code LlamaModel.permute} reshapes the HF rows of each head to
 * {@code (n_head, 2, head_dim/2, in)} and swaps the middle axes, so GGUF row
 * {@code h*head_dim + 2j + s} is HF row {@code h*head_dim + s*head_dim/2 + j} (s = 0, 1; K uses
 * the key/value head count). {@link #hfRowOrder} inverts that.
 */
final class GgufToHf {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GgufToHf() {
    }

    /**
     * For each HF row, the GGUF row it comes from, for a projection of {@code heads} heads of
     * width {@code headDim}.
     */
    static int[] hfRowOrder(int heads, int headDim) {
        int[] from = new int[heads * headDim];
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            for (int s = 0; s < 2; s++) {
                for (int j = 0; j < half; j++) {
                    from[h * headDim + s * half + j] = h * headDim + 2 * j + s;
                }
            }
        }
        return from;
    }

    /**
     * Writes {@code config.json} and the weights of {@code gguf} into {@code dir}.
     *
     * @param target dtype for every tensor, or null to keep each tensor's own (F32/F16) bytes
     * @param shards number of safetensors files; more than one adds the index
     */
    static void convert(Path gguf, Path dir, SafetensorsDtype target, int shards) throws IOException {
        Files.createDirectories(dir);
        try (GgufFile g = GgufFile.open(gguf)) {
            LlamaConfig c = GgufLlamaLoader.config(g);
            writeConfig(c, dir.resolve("config.json"), target == null ? "float32" : target.name().toLowerCase());
            List<SafetensorsWriter> writers = new ArrayList<>();
            for (int i = 0; i < shards; i++) {
                writers.add(new SafetensorsWriter().putMetadata("format", "pt"));
            }
            Map<String, String> weightMap = new TreeMap<>();
            for (GgufTensorInfo t : g.tensors().values()) {
                String name = hfName(t.name());
                int shard = shard(t.name(), c.layers(), shards);
                int[] order = null;
                if (t.name().endsWith("attn_q.weight")) {
                    order = hfRowOrder(c.heads(), c.headDim());
                } else if (t.name().endsWith("attn_k.weight")) {
                    order = hfRowOrder(c.kvHeads(), c.headDim());
                }
                add(writers.get(shard), name, g, t, order, target);
                weightMap.put(name, fileName(shard, shards));
            }
            for (int i = 0; i < shards; i++) {
                writers.get(i).write(dir.resolve(fileName(i, shards)));
            }
            if (shards > 1) {
                ObjectNode index = JSON.createObjectNode();
                index.putObject("metadata").put("total_size", 0);
                ObjectNode map = index.putObject("weight_map");
                weightMap.forEach(map::put);
                JSON.writerWithDefaultPrettyPrinter().writeValue(
                        dir.resolve(SafetensorsCheckpoint.INDEX_FILE).toFile(), index);
            }
        }
    }

    static String fileName(int shard, int shards) {
        return shards == 1 ? SafetensorsCheckpoint.SINGLE_FILE
                : String.format("model-%05d-of-%05d.safetensors", shard + 1, shards);
    }

    private static int shard(String ggufName, int layers, int shards) {
        if (ggufName.startsWith("blk.")) {
            int l = Integer.parseInt(ggufName.substring(4, ggufName.indexOf('.', 4)));
            return l * shards / layers;
        }
        return ggufName.startsWith("token_embd") ? 0 : shards - 1;
    }

    static String hfName(String ggufName) {
        if (ggufName.startsWith("blk.")) {
            int dot = ggufName.indexOf('.', 4);
            String layer = "model.layers." + ggufName.substring(4, dot) + ".";
            String rest = ggufName.substring(dot + 1);
            return layer + switch (rest) {
                case "attn_norm.weight" -> "input_layernorm.weight";
                case "attn_q.weight" -> "self_attn.q_proj.weight";
                case "attn_k.weight" -> "self_attn.k_proj.weight";
                case "attn_v.weight" -> "self_attn.v_proj.weight";
                case "attn_output.weight" -> "self_attn.o_proj.weight";
                case "ffn_norm.weight" -> "post_attention_layernorm.weight";
                case "ffn_gate.weight" -> "mlp.gate_proj.weight";
                case "ffn_up.weight" -> "mlp.up_proj.weight";
                case "ffn_down.weight" -> "mlp.down_proj.weight";
                default -> throw new IllegalArgumentException("unexpected tensor " + ggufName);
            };
        }
        return switch (ggufName) {
            case "token_embd.weight" -> "model.embed_tokens.weight";
            case "output_norm.weight" -> "model.norm.weight";
            case "output.weight" -> "lm_head.weight";
            default -> throw new IllegalArgumentException("unexpected tensor " + ggufName);
        };
    }

    private static void add(SafetensorsWriter w, String name, GgufFile g, GgufTensorInfo t, int[] order,
            SafetensorsDtype target) {
        int cols = (int) t.dim(0);
        int rows = (int) (t.elementCount() / cols);
        // GGUF ne = [in, out] is PyTorch shape [out, in].
        long[] shape = t.nDims() == 1 ? new long[] {cols} : new long[] {rows, cols};
        MemorySegment data = g.tensorData(t);
        if (target == null) {
            SafetensorsDtype dtype = SafetensorsDtype.of(t.type());
            if (order == null) {
                w.add(name, dtype, shape, data); // streamed from the mapped GGUF
                return;
            }
            long rowBytes = t.type().byteSize(cols);
            byte[] out = new byte[(int) data.byteSize()];
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, order[r] * rowBytes, out, (int) (r * rowBytes),
                        (int) rowBytes);
            }
            w.add(name, dtype, shape, out);
            return;
        }
        WeightMatrix m = WeightMatrix.of(t.type(), data, rows, cols);
        float[] values = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            m.dequantizeRow(order == null ? r : order[r], values, r * cols);
        }
        w.add(name, target, shape, values);
    }

    /** The hyper-parameters as a transformers {@code LlamaConfig} would save them. */
    private static void writeConfig(LlamaConfig c, Path file, String torchDtype) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add("LlamaForCausalLM");
        o.put("model_type", "llama");
        o.put("hidden_size", c.dim());
        o.put("num_hidden_layers", c.layers());
        o.put("num_attention_heads", c.heads());
        o.put("num_key_value_heads", c.kvHeads());
        o.put("intermediate_size", c.ffnDim());
        o.put("vocab_size", c.vocabSize());
        o.put("max_position_embeddings", c.contextLength());
        o.put("rms_norm_eps", 1e-5);
        o.put("rope_theta", 10000.0);
        o.putNull("rope_scaling");
        o.put("hidden_act", "silu");
        o.put("attention_bias", false);
        o.put("mlp_bias", false);
        o.put("tie_word_embeddings", false);
        o.put("bos_token_id", 1);
        o.put("eos_token_id", 2);
        o.put("torch_dtype", torchDtype);
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), o);
    }
}
