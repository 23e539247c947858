package dev.mycel.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.model.ModelFormatException;
import dev.mycel.model.llama.LayerSpan;
import dev.mycel.model.llama.LlamaConfig;
import dev.mycel.model.llama.LlamaModel;
import dev.mycel.model.llama.LlamaWeights;
import dev.mycel.model.llama.RopeScaling;
import dev.mycel.model.llama.RopeStyle;
import dev.mycel.tensor.ThreadPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading small synthetic checkpoints, and the errors for checkpoints that do not fit their config. */
class SafetensorsLlamaLoaderTest {
    private static final int DIM = 8;
    private static final int HEADS = 2;
    private static final int KV_HEADS = 1;
    private static final int HEAD_DIM = 4;
    private static final int FFN = 16;
    private static final int VOCAB = 10;

    @TempDir
    Path tmp;

    /** The tensors of a one-block model as HF names them, with shapes; edited by each test. */
    static Map<String, long[]> tensors(boolean biases) {
        Map<String, long[]> t = new LinkedHashMap<>();
        t.put("model.embed_tokens.weight", new long[] {VOCAB, DIM});
        String p = "model.layers.0.";
        t.put(p + "input_layernorm.weight", new long[] {DIM});
        t.put(p + "self_attn.q_proj.weight", new long[] {HEADS * HEAD_DIM, DIM});
        t.put(p + "self_attn.k_proj.weight", new long[] {KV_HEADS * HEAD_DIM, DIM});
        t.put(p + "self_attn.v_proj.weight", new long[] {KV_HEADS * HEAD_DIM, DIM});
        if (biases) {
            t.put(p + "self_attn.q_proj.bias", new long[] {HEADS * HEAD_DIM});
            t.put(p + "self_attn.k_proj.bias", new long[] {KV_HEADS * HEAD_DIM});
            t.put(p + "self_attn.v_proj.bias", new long[] {KV_HEADS * HEAD_DIM});
        }
        t.put(p + "self_attn.o_proj.weight", new long[] {DIM, HEADS * HEAD_DIM});
        t.put(p + "post_attention_layernorm.weight", new long[] {DIM});
        t.put(p + "mlp.gate_proj.weight", new long[] {FFN, DIM});
        t.put(p + "mlp.up_proj.weight", new long[] {FFN, DIM});
        t.put(p + "mlp.down_proj.weight", new long[] {DIM, FFN});
        t.put("model.norm.weight", new long[] {DIM});
        t.put("lm_head.weight", new long[] {VOCAB, DIM});
        return t;
    }

    static String config(String modelType, String extra) {
        String arch = HfConfig.ARCHITECTURES.get(modelType);
        return "{\"architectures\": [\"" + arch + "\"], \"model_type\": \"" + modelType + "\", \"hidden_size\": " + DIM
                + ", \"num_hidden_layers\": 1, \"num_attention_heads\": " + HEADS + ", \"num_key_value_heads\": "
                + KV_HEADS + ", \"intermediate_size\": " + FFN + ", \"vocab_size\": " + VOCAB
                + ", \"max_position_embeddings\": 64, \"rms_norm_eps\": 1e-6" + extra + "}";
    }

    /** Writes config.json and model.safetensors with random F32 values; {@code edit} may change the tensors. */
    Path model(String config, Map<String, long[]> shapes, Consumer<SafetensorsWriter> extra) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "model");
        Files.writeString(dir.resolve("config.json"), config);
        Random rnd = new Random(7);
        SafetensorsWriter w = new SafetensorsWriter();
        shapes.forEach((name, shape) -> {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
                v[i] = name.contains("norm") ? 1 + 0.1f * (float) rnd.nextGaussian() : 0.1f * (float) rnd.nextGaussian();
            }
            w.add(name, shape, v);
        });
        if (extra != null) {
            extra.accept(w);
        }
        w.write(dir.resolve("model.safetensors"));
        return dir;
    }

    static String loadError(Path dir) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> {
            try (HfModel m = HfModel.open(dir)) {
                LlamaConfig c = SafetensorsLlamaLoader.config(m);
                SafetensorsLlamaLoader.weights(m, c, LayerSpan.all(c.layers()));
            }
        });
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "'" + message + "' should mention '" + p + "'");
        }
    }

    @Test
    void qwen2WithBiasesRuns() throws IOException {
        Path dir = model(config("qwen2", ", \"rope_theta\": 1000000.0, \"tie_word_embeddings\": false"),
                tensors(true), null);
        try (HfModel m = HfModel.open(dir); ThreadPool pool = new ThreadPool(1)) {
            LlamaConfig c = SafetensorsLlamaLoader.config(m);
            assertEquals(new LlamaConfig("qwen2", DIM, 1, HEADS, KV_HEADS, HEAD_DIM, FFN, VOCAB, 64, 1e-6f, 1e6f,
                    HEAD_DIM, 1f, RopeStyle.HALVES, true), c);
            LlamaWeights w = SafetensorsLlamaLoader.weights(m, c, LayerSpan.all(1));
            assertNotNull(w.layers()[0].bq());
            assertNull(w.ropeFreqFactors());
            LlamaModel model = new LlamaModel(c, w, pool);
            float[] logits = model.forward(model.newState(4), new int[] {1, 2, 3});
            for (float l : logits) {
                assertTrue(Float.isFinite(l));
            }
        }
    }

    @Test
    void biasesAreFoundByTensorPresence() throws IOException {
        try (HfModel m = HfModel.open(model(config("llama", ""), tensors(true), null))) {
            assertTrue(SafetensorsLlamaLoader.config(m).attentionBias());
        }
    }

    @Test
    void qwen2WithoutBiases() throws IOException {
        assertContains(loadError(model(config("qwen2", ""), tensors(false), null)),
                "model.safetensors", "tensor 'model.layers.0.self_attn.q_proj.bias' is missing");
    }

    @Test
    void llama3RopeScalingGivesFrequencyFactors() throws IOException {
        Path dir = model(config("llama", ", \"rope_theta\": 500000.0, \"rope_scaling\": {\"rope_type\": \"llama3\","
                + " \"factor\": 32.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,"
                + " \"original_max_position_embeddings\": 8192}"), tensors(false), null);
        try (HfModel m = HfModel.open(dir)) {
            LlamaConfig c = SafetensorsLlamaLoader.config(m);
            assertEquals(1f, c.ropeScale());
            assertArrayEquals(RopeScaling.llama3Factors(HEAD_DIM, 500000, 32, 1, 4, 8192),
                    SafetensorsLlamaLoader.weights(m, c, LayerSpan.all(1)).ropeFreqFactors());
        }
    }

    @Test
    void linearRopeScalingScalesPositions() throws IOException {
        Path dir = model(config("llama", ", \"rope_scaling\": {\"type\": \"linear\", \"factor\": 4.0}"),
                tensors(false), null);
        try (HfModel m = HfModel.open(dir)) {
            assertEquals(0.25f, SafetensorsLlamaLoader.config(m).ropeScale());
        }
    }

    @Test
    void missingTensor() throws IOException {
        Map<String, long[]> t = tensors(false);
        t.remove("model.layers.0.mlp.up_proj.weight");
        assertContains(loadError(model(config("llama", ""), t, null)),
                "model.safetensors", "tensor 'model.layers.0.mlp.up_proj.weight' is missing");
    }

    @Test
    void wrongShape() throws IOException {
        Map<String, long[]> t = tensors(false);
        t.put("model.layers.0.mlp.gate_proj.weight", new long[] {FFN, DIM - 1});
        assertContains(loadError(model(config("llama", ""), t, null)),
                "'model.layers.0.mlp.gate_proj.weight' has shape [16, 7], expected [16, 8]");
        t = tensors(false);
        t.put("model.norm.weight", new long[] {DIM, 1});
        assertContains(loadError(model(config("llama", ""), t, null)),
                "'model.norm.weight' has shape [8, 1], expected [8]");
    }

    @Test
    void unsupportedWeightDtype() throws IOException {
        Map<String, long[]> t = tensors(false);
        t.remove("model.layers.0.self_attn.v_proj.weight");
        Path dir = model(config("llama", ""), t, w -> w.add("model.layers.0.self_attn.v_proj.weight",
                SafetensorsDtype.I32, new long[] {KV_HEADS * HEAD_DIM, DIM}, new byte[KV_HEADS * HEAD_DIM * DIM * 4]));
        assertContains(loadError(dir), "'model.layers.0.self_attn.v_proj.weight'", "dtype I32", "not supported");
    }

    @Test
    void untiedModelWithoutHead() throws IOException {
        Map<String, long[]> t = tensors(false);
        t.remove("lm_head.weight");
        assertContains(loadError(model(config("llama", ""), t, null)), "'lm_head.weight' is missing",
                "tie_word_embeddings");
    }

    @Test
    void outputProjectionBiasIsRefused() throws IOException {
        Path dir = model(config("llama", ""), tensors(false), w -> w.add("model.layers.0.self_attn.o_proj.bias",
                new long[] {DIM}, new float[DIM]));
        assertContains(loadError(dir), "o_proj.bias", "no bias");
    }

    @Test
    void configMissingFromDirectory() throws IOException {
        Path dir = model(config("llama", ""), tensors(false), null);
        Files.delete(dir.resolve("config.json"));
        assertFalse(HfModel.looksLikeHfModel(dir));
        assertContains(loadError(dir), "config.json", "no such file");
    }

    @Test
    void unsupportedModelTypeInDirectory() throws IOException {
        Path dir = model(config("llama", "").replace("\"llama\"", "\"gemma\""), tensors(false), null);
        assertContains(loadError(dir), "config.json", "model_type 'gemma' is not supported");
    }

    @Test
    void blocksBeyondTheModel() throws IOException {
        try (HfModel m = HfModel.open(model(config("llama", ""), tensors(false), null))) {
            LlamaConfig c = SafetensorsLlamaLoader.config(m);
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> SafetensorsLlamaLoader.weights(m, c, new LayerSpan(0, 2, true, true)));
            assertContains(e.getMessage(), "the model has 1");
        }
    }

    // ---- sharded checkpoints ----

    /** Splits {@code model.safetensors} of a model directory into two shards with an index. */
    Path sharded(String indexJson) throws IOException {
        Path dir = model(config("llama", ""), tensors(false), null);
        Map<String, long[]> all = tensors(false);
        try (SafetensorsFile whole = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            SafetensorsWriter a = new SafetensorsWriter();
            SafetensorsWriter b = new SafetensorsWriter();
            for (String name : all.keySet()) {
                SafetensorsTensor t = whole.tensor(name).orElseThrow();
                (name.startsWith("model.layers") ? b : a).add(name, t.dtype(), t.shape(), whole.tensorData(t));
            }
            a.write(dir.resolve("a.safetensors"));
            b.write(dir.resolve("b.safetensors"));
        }
        Files.delete(dir.resolve("model.safetensors"));
        if (indexJson != null) {
            Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), indexJson);
        }
        return dir;
    }

    static String index(String layerFile) {
        StringBuilder sb = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
        String sep = "";
        for (String name : tensors(false).keySet()) {
            sb.append(sep).append('"').append(name).append("\": \"")
                    .append(name.startsWith("model.layers") ? layerFile : "a.safetensors").append('"');
            sep = ", ";
        }
        return sb.append("}}").toString();
    }

    @Test
    void shardedCheckpointLoads() throws IOException {
        Path dir = sharded(index("b.safetensors"));
        assertTrue(HfModel.looksLikeHfModel(dir));
        try (HfModel m = HfModel.open(dir)) {
            assertEquals(2, m.checkpoint().files().size());
            assertTrue(m.checkpoint().require("model.layers.0.mlp.up_proj.weight").file().name()
                    .endsWith("b.safetensors"));
            LlamaConfig c = SafetensorsLlamaLoader.config(m);
            assertNotNull(SafetensorsLlamaLoader.weights(m, c, LayerSpan.all(1)).output());
        }
    }

    @Test
    void shardMissing() throws IOException {
        assertContains(loadError(sharded(index("c.safetensors"))), SafetensorsCheckpoint.INDEX_FILE,
                "shard 'c.safetensors'", "missing");
    }

    @Test
    void tensorNotInItsShard() throws IOException {
        assertContains(loadError(sharded(index("a.safetensors"))), SafetensorsCheckpoint.INDEX_FILE,
                "should be in a.safetensors", "does not hold it");
    }

    @Test
    void shardOutsideTheDirectory() throws IOException {
        assertContains(loadError(sharded(index("../b.safetensors"))), "not a file name in the model directory");
    }

    @Test
    void invalidIndex() throws IOException {
        assertContains(loadError(sharded("{\"weight_map\": ")), SafetensorsCheckpoint.INDEX_FILE, "not valid JSON");
        assertContains(loadError(sharded("{\"metadata\": {}}")), "'weight_map' is missing");
    }

    @Test
    void severalFilesWithoutIndex() throws IOException {
        assertContains(loadError(sharded(null)), "2 .safetensors files", SafetensorsCheckpoint.INDEX_FILE);
    }

    @Test
    void noWeightsAtAll() throws IOException {
        Path dir = model(config("llama", ""), tensors(false), null);
        Files.delete(dir.resolve("model.safetensors"));
        assertFalse(HfModel.looksLikeHfModel(dir));
        assertContains(loadError(dir), "no model.safetensors");
    }
}
