package dev.mycel.model.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mycel.model.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The hyper-parameters of a Hugging Face {@code config.json} for the Llama-family architectures
 * Mycel runs: {@code llama} ({@code LlamaForCausalLM}), {@code mistral}
 * ({@code MistralForCausalLM}) and {@code qwen2} ({@code Qwen2ForCausalLM}). Optional keys take
 * the defaults of the transformers configuration classes; anything Mycel would compute wrongly
 * (other activations, MLP biases, RoPE scalings other than linear and llama3) is refused here
 * with a message naming the file and key.
 *
 * @param source           the file, for messages
 * @param modelType        {@code llama}, {@code mistral} or {@code qwen2}
 * @param hiddenSize       embedding width
 * @param layers           {@code num_hidden_layers}
 * @param heads            {@code num_attention_heads}
 * @param kvHeads          {@code num_key_value_heads} (the head count when absent)
 * @param headDim          {@code head_dim}, or {@code hidden_size / num_attention_heads} when absent
 * @param intermediateSize feed-forward width
 * @param vocabSize        rows of the embedding
 * @param maxPositions     {@code max_position_embeddings}
 * @param rmsNormEps       {@code rms_norm_eps} (1e-6 when absent)
 * @param ropeTheta        {@code rope_theta} (10000 when absent)
 * @param ropeScaling      {@code rope_scaling}, or null when the rotation is unscaled
 * @param tieWordEmbeddings whether the output projection is the embedding matrix
 * @param attentionBias    whether q/k/v carry biases: {@code attention_bias}, always for qwen2
 * @param slidingWindow    the attention window when the model uses one (Mistral v0.1: 4096,
 *                         Qwen2 with {@code use_sliding_window}), else null; Mycel attends to the
 *                         whole context, which is the same for contexts up to the window
 */
public record HfConfig(
        String source,
        String modelType,
        int hiddenSize,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int intermediateSize,
        int vocabSize,
        int maxPositions,
        double rmsNormEps,
        double ropeTheta,
        RopeScalingParams ropeScaling,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        Integer slidingWindow) {

    /** The model types supported, with the architecture class each one's checkpoint must be for. */
    public static final Map<String, String> ARCHITECTURES = Map.of(
            "llama", "LlamaForCausalLM",
            "mistral", "MistralForCausalLM",
            "qwen2", "Qwen2ForCausalLM");

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A {@code rope_scaling} entry Mycel applies.
     *
     * @param type                 {@code linear} (positions divided by {@code factor}) or
     *                             {@code llama3} (per-frequency divisors, see
     *                             {@link dev.mycel.model.llama.RopeScaling#llama3Factors})
     * @param factor               the scaling factor
     * @param lowFreqFactor        llama3 only, else 0
     * @param highFreqFactor       llama3 only, else 0
     * @param originalMaxPositions llama3 only: the context the model was first trained for, else 0
     */
    public record RopeScalingParams(String type, double factor, double lowFreqFactor, double highFreqFactor,
            int originalMaxPositions) {
    }

    /** Reads {@code config.json} (or another file of that form). */
    public static HfConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file + ": no such file (a Hugging Face model directory needs config.json)");
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot read: " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** Parses the text of a {@code config.json}; {@code source} names it in messages. */
    public static HfConfig parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(source + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(source + ": should hold a JSON object");
        }
        return new Parser(root, source).parse();
    }

    /** Field access with messages that name the file and key. */
    private record Parser(JsonNode root, String source) {
        HfConfig parse() {
            String modelType = modelType();
            int hidden = positiveInt(root, "hidden_size", null);
            int layers = positiveInt(root, "num_hidden_layers", null);
            int heads = positiveInt(root, "num_attention_heads", null);
            int kvHeads = positiveInt(root, "num_key_value_heads", heads);
            Integer headDimValue = isSet(root, "head_dim") ? positiveInt(root, "head_dim", null) : null;
            if (headDimValue == null && hidden % heads != 0) {
                throw error("hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads
                        + " and head_dim is not given");
            }
            int headDim = headDimValue != null ? headDimValue : hidden / heads;
            int ffn = positiveInt(root, "intermediate_size", null);
            int vocab = positiveInt(root, "vocab_size", null);
            int maxPositions = positiveInt(root, "max_position_embeddings", null);
            double eps = positiveNumber(root, "rms_norm_eps", 1e-6);
            String act = string(root, "hidden_act", "silu");
            if (!act.equals("silu")) {
                throw error("hidden_act '" + act + "' is not supported (Llama-family models use silu)");
            }
            if (bool(root, "mlp_bias", false)) {
                throw error("mlp_bias true is not supported (Mycel's feed-forward network has no biases)");
            }
            // transformers 5 moves rope_theta and rope_scaling into one "rope_parameters" object.
            JsonNode ropeParameters = isSet(root, "rope_parameters") ? root.get("rope_parameters") : null;
            if (ropeParameters != null && !ropeParameters.isObject()) {
                throw error("'rope_parameters' should be an object, not " + ropeParameters);
            }
            double theta = positiveNumber(ropeParameters != null && isSet(ropeParameters, "rope_theta")
                    ? ropeParameters : root, "rope_theta", 10000);
            RopeScalingParams scaling = isSet(root, "rope_scaling") ? ropeScaling(root.get("rope_scaling"), "rope_scaling")
                    : ropeParameters != null ? ropeScaling(ropeParameters, "rope_parameters") : null;
            boolean tie = bool(root, "tie_word_embeddings", false);
            // Qwen2's q/k/v projections always have biases; its config has no key for them.
            boolean bias = modelType.equals("qwen2") || bool(root, "attention_bias", false);
            Integer window = switch (modelType) {
                case "mistral" -> isSet(root, "sliding_window") ? positiveInt(root, "sliding_window", null) : null;
                case "qwen2" -> bool(root, "use_sliding_window", false) && isSet(root, "sliding_window")
                        ? positiveInt(root, "sliding_window", null) : null;
                default -> null;
            };
            return new HfConfig(source, modelType, hidden, layers, heads, kvHeads, headDim, ffn, vocab, maxPositions,
                    eps, theta, scaling, tie, bias, window);
        }

        private String modelType() {
            List<String> archs = new ArrayList<>();
            if (isSet(root, "architectures")) {
                JsonNode a = root.get("architectures");
                if (!a.isArray()) {
                    throw error("'architectures' should be an array of class names, not " + a);
                }
                a.forEach(n -> archs.add(n.asText()));
            }
            String type;
            if (isSet(root, "model_type")) {
                type = string(root, "model_type", null);
            } else {
                type = ARCHITECTURES.entrySet().stream().filter(e -> archs.contains(e.getValue()))
                        .map(Map.Entry::getKey).findFirst()
                        .orElseThrow(() -> error("'model_type' is missing"));
            }
            String arch = ARCHITECTURES.get(type);
            if (arch == null) {
                throw error("model_type '" + type + "' is not supported (Mycel runs "
                        + String.join(", ", ARCHITECTURES.keySet().stream().sorted().toList()) + ")");
            }
            if (!archs.isEmpty() && !archs.contains(arch)) {
                throw error("architecture " + archs + " is not supported (for model_type '" + type + "' Mycel runs "
                        + arch + ")");
            }
            return type;
        }

        private RopeScalingParams ropeScaling(JsonNode node, String key) {
            if (!node.isObject()) {
                throw error("'" + key + "' should be an object or null, not " + node);
            }
            String type = isSet(node, "rope_type") ? string(node, "rope_type", null) : string(node, "type", null);
            if (type == null) {
                // rope_parameters always holds rope_theta, and only says rope_type when it scales.
                if (key.equals("rope_parameters")) {
                    return null;
                }
                throw error("rope_scaling has no 'rope_type'");
            }
            return switch (type) {
                case "default" -> null;
                case "linear" -> new RopeScalingParams(type, positiveNumber(node, "factor", null), 0, 0, 0);
                case "llama3" -> {
                    double factor = positiveNumber(node, "factor", null);
                    double low = positiveNumber(node, "low_freq_factor", null);
                    double high = positiveNumber(node, "high_freq_factor", null);
                    int original = positiveInt(node, "original_max_position_embeddings", null);
                    if (!(high > low)) {
                        throw error("rope_scaling high_freq_factor " + high + " must exceed low_freq_factor " + low);
                    }
                    yield new RopeScalingParams(type, factor, low, high, original);
                }
                default -> throw error("RoPE scaling '" + type + "' is not supported (Mycel supports linear and llama3)");
            };
        }

        private static boolean isSet(JsonNode obj, String key) {
            JsonNode v = obj.get(key);
            return v != null && !v.isNull();
        }

        private int positiveInt(JsonNode obj, String key, Integer dflt) {
            if (!isSet(obj, key)) {
                if (dflt == null) {
                    throw error("'" + key + "' is missing");
                }
                return dflt;
            }
            JsonNode v = obj.get(key);
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() <= 0) {
                throw error("'" + key + "' should be a positive integer, not " + v);
            }
            return v.asInt();
        }

        private double positiveNumber(JsonNode obj, String key, Number dflt) {
            if (!isSet(obj, key)) {
                if (dflt == null) {
                    throw error("'" + key + "' is missing");
                }
                return dflt.doubleValue();
            }
            JsonNode v = obj.get(key);
            if (!v.isNumber() || !(v.asDouble() > 0) || Double.isInfinite(v.asDouble())) {
                throw error("'" + key + "' should be a positive number, not " + v);
            }
            return v.asDouble();
        }

        private String string(JsonNode obj, String key, String dflt) {
            if (!isSet(obj, key)) {
                return dflt;
            }
            JsonNode v = obj.get(key);
            if (!v.isTextual()) {
                throw error("'" + key + "' should be a string, not " + v);
            }
            return v.asText();
        }

        private boolean bool(JsonNode obj, String key, boolean dflt) {
            if (!isSet(obj, key)) {
                return dflt;
            }
            JsonNode v = obj.get(key);
            if (!v.isBoolean()) {
                throw error("'" + key + "' should be true or false, not " + v);
            }
            return v.asBoolean();
        }

        private ModelFormatException error(String message) {
            return new ModelFormatException(source + ": " + message);
        }
    }
}
