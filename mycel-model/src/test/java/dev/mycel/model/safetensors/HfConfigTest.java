package dev.mycel.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.model.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing {@code config.json} of the supported architectures, and refusing what Mycel cannot run. */
class HfConfigTest {
    @TempDir
    Path tmp;

    /** The config.json of Llama 3.2 1B (abridged to the keys that matter). */
    static final String LLAMA_32_1B = """
            {
              "architectures": ["LlamaForCausalLM"],
              "attention_bias": false,
              "bos_token_id": 128000,
              "eos_token_id": 128001,
              "head_dim": 64,
              "hidden_act": "silu",
              "hidden_size": 2048,
              "intermediate_size": 8192,
              "max_position_embeddings": 131072,
              "mlp_bias": false,
              "model_type": "llama",
              "num_attention_heads": 32,
              "num_hidden_layers": 16,
              "num_key_value_heads": 8,
              "rms_norm_eps": 1e-05,
              "rope_scaling": {
                "factor": 32.0,
                "high_freq_factor": 4.0,
                "low_freq_factor": 1.0,
                "original_max_position_embeddings": 8192,
                "rope_type": "llama3"
              },
              "rope_theta": 500000.0,
              "tie_word_embeddings": true,
              "torch_dtype": "bfloat16",
              "vocab_size": 128256
            }""";

    static final String QWEN2_05B = """
            {
              "architectures": ["Qwen2ForCausalLM"],
              "hidden_act": "silu",
              "hidden_size": 896,
              "intermediate_size": 4864,
              "max_position_embeddings": 32768,
              "max_window_layers": 24,
              "model_type": "qwen2",
              "num_attention_heads": 14,
              "num_hidden_layers": 24,
              "num_key_value_heads": 2,
              "rms_norm_eps": 1e-06,
              "rope_theta": 1000000.0,
              "sliding_window": 32768,
              "tie_word_embeddings": true,
              "use_sliding_window": false,
              "vocab_size": 151936
            }""";

    static final String MISTRAL_7B_V01 = """
            {
              "architectures": ["MistralForCausalLM"],
              "hidden_act": "silu",
              "hidden_size": 4096,
              "intermediate_size": 14336,
              "max_position_embeddings": 32768,
              "model_type": "mistral",
              "num_attention_heads": 32,
              "num_hidden_layers": 32,
              "num_key_value_heads": 8,
              "rms_norm_eps": 1e-05,
              "rope_theta": 10000.0,
              "sliding_window": 4096,
              "tie_word_embeddings": false,
              "vocab_size": 32000
            }""";

    static HfConfig parse(String json) {
        return HfConfig.parse(json, "config.json");
    }

    static String error(String json) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> parse(json));
        assertTrue(e.getMessage().startsWith("config.json: "), e.getMessage());
        return e.getMessage();
    }

    static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "'" + message + "' should mention '" + p + "'");
        }
    }

    @Test
    void llama32() {
        HfConfig c = parse(LLAMA_32_1B);
        assertEquals("llama", c.modelType());
        assertEquals(2048, c.hiddenSize());
        assertEquals(16, c.layers());
        assertEquals(32, c.heads());
        assertEquals(8, c.kvHeads());
        assertEquals(64, c.headDim());
        assertEquals(8192, c.intermediateSize());
        assertEquals(128256, c.vocabSize());
        assertEquals(131072, c.maxPositions());
        assertEquals(1e-5, c.rmsNormEps());
        assertEquals(500000, c.ropeTheta());
        assertEquals(new HfConfig.RopeScalingParams("llama3", 32, 1, 4, 8192), c.ropeScaling());
        assertTrue(c.tieWordEmbeddings());
        assertFalse(c.attentionBias());
        assertNull(c.slidingWindow());
    }

    @Test
    void qwen2AlwaysHasBiases() {
        HfConfig c = parse(QWEN2_05B);
        assertEquals("qwen2", c.modelType());
        assertEquals(64, c.headDim());
        assertTrue(c.attentionBias());
        assertEquals(1e6, c.ropeTheta());
        assertNull(c.slidingWindow(), "use_sliding_window is false");
        assertNull(c.ropeScaling());
    }

    @Test
    void mistralSlidingWindowIsRecorded() {
        HfConfig c = parse(MISTRAL_7B_V01);
        assertEquals("mistral", c.modelType());
        assertEquals(4096, c.slidingWindow());
        assertEquals(128, c.headDim());
        assertFalse(c.tieWordEmbeddings());
    }

    @Test
    void defaults() {
        HfConfig c = parse("""
                {"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
                 "intermediate_size": 192, "vocab_size": 100, "max_position_embeddings": 256}""");
        assertEquals(4, c.kvHeads());
        assertEquals(16, c.headDim());
        assertEquals(10000, c.ropeTheta());
        assertEquals(1e-6, c.rmsNormEps());
        assertFalse(c.tieWordEmbeddings());
        assertNull(c.ropeScaling());
    }

    @Test
    void architectureAloneGivesTheModelType() {
        assertEquals("mistral", parse(MISTRAL_7B_V01.replace("\"model_type\": \"mistral\",", "")).modelType());
    }

    @Test
    void ropeScalingForms() {
        assertEquals(new HfConfig.RopeScalingParams("linear", 4, 0, 0, 0), parse(LLAMA_32_1B.replaceFirst(
                "(?s)\"rope_scaling\": \\{.*?\\}", "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 4.0}"))
                .ropeScaling());
        assertNull(parse(LLAMA_32_1B.replaceFirst("(?s)\"rope_scaling\": \\{.*?\\}", "\"rope_scaling\": null"))
                .ropeScaling());
        // transformers 5 keeps theta and scaling together.
        HfConfig v5 = parse(LLAMA_32_1B.replaceFirst("(?s)\"rope_scaling\": \\{.*?\\},", "").replace(
                "\"rope_theta\": 500000.0,", "\"rope_parameters\": {\"rope_type\": \"llama3\", \"rope_theta\": 500000.0,"
                        + " \"factor\": 32.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,"
                        + " \"original_max_position_embeddings\": 8192},"));
        assertEquals(500000, v5.ropeTheta());
        assertEquals(new HfConfig.RopeScalingParams("llama3", 32, 1, 4, 8192), v5.ropeScaling());
        HfConfig v5plain = parse(MISTRAL_7B_V01.replace("\"rope_theta\": 10000.0,",
                "\"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 20000.0},"));
        assertEquals(20000, v5plain.ropeTheta());
        assertNull(v5plain.ropeScaling());
    }

    @Test
    void unsupportedRopeScaling() {
        assertContains(error(LLAMA_32_1B.replace("\"llama3\"", "\"yarn\"")), "RoPE scaling 'yarn' is not supported");
        assertContains(error(LLAMA_32_1B.replace("\"low_freq_factor\": 1.0,", "")), "'low_freq_factor' is missing");
    }

    @Test
    void missingConfigFile() {
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> HfConfig.read(tmp.resolve("config.json")));
        assertContains(e.getMessage(), tmp.resolve("config.json").toString(), "no such file");
    }

    @Test
    void invalidJson() throws IOException {
        Path file = tmp.resolve("config.json");
        Files.writeString(file, "{\"model_type\": \"llama\",");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> HfConfig.read(file));
        assertContains(e.getMessage(), file.toString(), "not valid JSON");
        assertContains(error("[]"), "JSON object");
    }

    @Test
    void unsupportedModelType() {
        assertContains(error(LLAMA_32_1B.replace("\"model_type\": \"llama\"", "\"model_type\": \"gpt2\"")),
                "model_type 'gpt2' is not supported", "llama, mistral, qwen2");
        assertContains(error(LLAMA_32_1B.replace("LlamaForCausalLM", "LlamaForSequenceClassification")),
                "LlamaForSequenceClassification", "not supported");
        assertContains(error(LLAMA_32_1B.replace("\"model_type\": \"llama\",", "")
                .replace("LlamaForCausalLM", "GPT2LMHeadModel")), "'model_type' is missing");
    }

    @Test
    void missingOrWrongFields() {
        assertContains(error(LLAMA_32_1B.replace("\"hidden_size\": 2048,", "")), "'hidden_size' is missing");
        assertContains(error(LLAMA_32_1B.replace("\"hidden_size\": 2048", "\"hidden_size\": \"2048\"")),
                "'hidden_size' should be a positive integer");
        assertContains(error(LLAMA_32_1B.replace("\"num_hidden_layers\": 16", "\"num_hidden_layers\": 0")),
                "'num_hidden_layers' should be a positive integer");
        assertContains(error(LLAMA_32_1B.replace("\"head_dim\": 64,", "").replace("\"hidden_size\": 2048",
                "\"hidden_size\": 2050")), "not a multiple");
        assertContains(error(LLAMA_32_1B.replace("\"silu\"", "\"gelu\"")), "hidden_act 'gelu' is not supported");
        assertContains(error(LLAMA_32_1B.replace("\"mlp_bias\": false", "\"mlp_bias\": true")), "mlp_bias");
        assertContains(error(LLAMA_32_1B.replace("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": 1")),
                "'tie_word_embeddings' should be true or false");
    }
}
