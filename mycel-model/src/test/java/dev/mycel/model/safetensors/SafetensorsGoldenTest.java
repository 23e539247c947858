package dev.mycel.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.llama.GgufLlamaLoader;
import dev.mycel.model.llama.InferenceState;
import dev.mycel.model.llama.LayerSpan;
import dev.mycel.model.llama.LlamaConfig;
import dev.mycel.model.llama.LlamaModel;
import dev.mycel.model.llama.LlamaWeights;
import dev.mycel.model.llama.RopeStyle;
import dev.mycel.model.testing.TestData;
import dev.mycel.tensor.GgmlType;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.tensor.VectorMath;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny llama.cpp golden models, converted to Hugging Face checkpoints (rotate-half Q/K rows,
 * HF names, safetensors), loaded through {@link SafetensorsLlamaLoader} and run on the golden
 * prompts.
 *
 * <p>F32 and F16 must meet {@code LlamaGoldenTest}'s tolerances (2e-6 and 2e-4) with identical
 * greedy tokens: the weights are the same numbers, and each query/key value is the same dot
 * product; only the order of the 16 terms of each attention score changes, because the head's
 * values are stored in another order. The F32 checkpoint is sharded in two files with an index.
 *
 * <p>BF16 rounds every weight and, like llama.cpp, every matmul input to 8 significant bits
 * (relative error up to 2^-9 = 0.002 each), so it is a slightly different model from the golden
 * F32 one, whose logits are of order 0.1 to 1. The measured drift of the last-prompt logits is
 * 3.5e-3 (printed at the end of the run); the tolerance is 0.01, about three times that. The
 * greedy tokens must match the golden F32 ones, and the chosen token's logit must be within the
 * tolerance of the golden one, up to the first step whose golden top-1/top-2 margin is below
 * twice the tolerance: before it, logits that are each within the tolerance cannot swap the top
 * two; from it on, either token is a right answer for a model this close.
 */
class SafetensorsGoldenTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ThreadPool POOL = new ThreadPool(2);
    private static final float BF16_TOLERANCE = 0.01f;
    private static final Map<String, Float> MEASURED = new TreeMap<>();

    @TempDir
    static Path tmp;

    static Path f32Dir;
    static Path f16Dir;
    static Path bf16Dir;

    @BeforeAll
    static void convert() throws IOException {
        Path models = TestData.golden("models");
        f32Dir = tmp.resolve("f32");
        f16Dir = tmp.resolve("f16");
        bf16Dir = tmp.resolve("bf16");
        GgufToHf.convert(models.resolve("tiny-llama-spm-f32.gguf"), f32Dir, null, 2);
        GgufToHf.convert(models.resolve("tiny-llama-spm-f16.gguf"), f16Dir, null, 1);
        GgufToHf.convert(models.resolve("tiny-llama-spm-f32.gguf"), bf16Dir, SafetensorsDtype.BF16, 1);
    }

    @AfterAll
    static void report() {
        POOL.close();
        MEASURED.forEach((k, v) -> System.out.println("[safetensors golden] max |logit diff| " + k + ": " + v));
    }

    @Test
    void convertedDirectoriesLookLikeHuggingFace() throws IOException {
        assertTrue(Files.isRegularFile(f32Dir.resolve(SafetensorsCheckpoint.INDEX_FILE)));
        assertTrue(HfModel.looksLikeHfModel(f32Dir));
        assertTrue(HfModel.looksLikeHfModel(f16Dir.resolve("config.json")));
        try (HfModel m = HfModel.open(f32Dir)) {
            assertEquals(2, m.checkpoint().files().size());
            assertEquals(21, m.checkpoint().tensorNames().size());
            LlamaConfig c = SafetensorsLlamaLoader.config(m);
            assertEquals(new LlamaConfig("llama", 64, 2, 4, 2, 16, 192, 32000, 256, 1e-5f, 10000f, 16, 1f,
                    RopeStyle.HALVES, false), c);
        }
        try (HfModel m = HfModel.open(bf16Dir)) {
            assertEquals(GgmlType.BF16, SafetensorsLlamaLoader.weights(m, SafetensorsLlamaLoader.config(m),
                    LayerSpan.all(2)).output().type());
        }
    }

    @Test
    void loadsASpanOfBlocks() {
        try (HfModel m = HfModel.open(f16Dir)) {
            LlamaConfig c = SafetensorsLlamaLoader.config(m);
            LlamaWeights w = SafetensorsLlamaLoader.weights(m, c, new LayerSpan(1, 2, false, true));
            assertEquals(1, w.firstLayer());
            assertEquals(1, w.layers().length);
            assertTrue(!w.hasEmbedding() && w.hasHead());
            assertEquals(GgmlType.F16, w.layers()[0].wq().type());
        }
    }

    @Test
    void tiedEmbeddingsUseTheEmbeddingAsOutput() throws IOException {
        Path dir = tmp.resolve("tied");
        Files.createDirectories(dir);
        String config = Files.readString(f16Dir.resolve("config.json"))
                .replace("\"tie_word_embeddings\" : false", "\"tie_word_embeddings\" : true");
        Files.writeString(dir.resolve("config.json"), config);
        Files.copy(f16Dir.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        try (HfModel m = HfModel.open(dir)) {
            assertTrue(m.config().tieWordEmbeddings());
            LlamaWeights w = SafetensorsLlamaLoader.weights(m, SafetensorsLlamaLoader.config(m), LayerSpan.all(2));
            assertSame(w.embedding(), w.output());
        }
    }

    @TestFactory
    Stream<DynamicTest> goldenPrompts() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        Path models = TestData.golden("models");
        for (var entry : List.of(new Object[] {"f32", f32Dir, 2e-6f}, new Object[] {"f16", f16Dir, 2e-4f},
                new Object[] {"bf16", bf16Dir, BF16_TOLERANCE})) {
            String type = (String) entry[0];
            Path dir = (Path) entry[1];
            float tol = (Float) entry[2];
            // BF16 is compared with the F32 reference: it is a rounding of those weights.
            String golden = type.equals("bf16") ? "f32" : type;
            JsonNode g = JSON.readTree(models.resolve("tiny-llama-spm-" + golden + ".golden.json").toFile());
            for (JsonNode c : g.get("cases")) {
                tests.add(DynamicTest.dynamicTest(type + ": " + c.get("prompt").asText(), () -> check(type, dir,
                        models.resolve("tiny-llama-spm-" + golden + ".gguf"), c, models, tol)));
            }
        }
        return tests.stream();
    }

    private static void check(String type, Path dir, Path gguf, JsonNode c, Path models, float tol) throws IOException {
        int[] prompt = ints(c.get("prompt_token_ids"));
        int[] expected = ints(c.get("greedy").get("ids"));
        double[] margins = doubles(c.get("greedy").get("top1_minus_top2"));
        double[] top1 = doubles(c.get("greedy").get("top1_logit"));
        float[] want = readFloats(models.resolve(c.get("last_logits").get("file").asText()));
        try (HfModel m = HfModel.open(dir)) {
            LlamaConfig config = SafetensorsLlamaLoader.config(m);
            LlamaModel model = new LlamaModel(config, SafetensorsLlamaLoader.weights(m, config,
                    LayerSpan.all(config.layers())), POOL);
            InferenceState state = model.newState(prompt.length + expected.length + 1);
            float[] logits = model.forward(state, prompt);
            float diff = maxDiff(want, logits);
            record(type + " vs llama.cpp " + (type.equals("bf16") ? "f32" : type), diff);
            assertTrue(diff <= tol, "last-prompt logits differ by up to " + diff + " (tolerance " + tol + ")");
            if (!type.equals("bf16")) {
                record(type + " vs Mycel's GGUF run", maxDiff(ggufLogits(gguf, prompt), logits));
            }
            // Exact types: every step. BF16: the steps before the first one the rounding could flip.
            int steps = expected.length;
            if (type.equals("bf16")) {
                steps = 0;
                while (steps < expected.length && margins[steps] > 2 * tol) {
                    steps++;
                }
                assertTrue(steps >= 1, "the first token must be comparable");
            }
            int[] got = new int[steps];
            for (int i = 0; i < steps; i++) {
                got[i] = VectorMath.argmax(logits, 0, logits.length);
                float stepDiff = (float) Math.abs(logits[got[i]] - top1[i]);
                record(type + " chosen-token logit, every compared step", stepDiff);
                assertTrue(stepDiff <= tol, "step " + i + ": logit of the chosen token differs by " + stepDiff);
                if (i + 1 < steps) {
                    logits = model.forward(state, new int[] {got[i]});
                }
            }
            assertArrayEquals(java.util.Arrays.copyOf(expected, steps), got, "greedy continuation");
        }
    }

    private static float[] ggufLogits(Path file, int[] prompt) {
        try (GgufFile gguf = GgufFile.open(file)) {
            LlamaConfig config = GgufLlamaLoader.config(gguf);
            LlamaModel model = new LlamaModel(config, GgufLlamaLoader.weights(gguf, config,
                    LayerSpan.all(config.layers())), POOL);
            return model.forward(model.newState(prompt.length), prompt).clone();
        }
    }

    private static synchronized void record(String key, float diff) {
        MEASURED.merge(key, diff, Math::max);
    }

    static float maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        float d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    static int[] ints(JsonNode array) {
        int[] r = new int[array.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = array.get(i).asInt();
        }
        return r;
    }

    static double[] doubles(JsonNode array) {
        double[] r = new double[array.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = array.get(i).asDouble();
        }
        return r;
    }

    static float[] readFloats(Path p) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(f);
        return f;
    }
}
