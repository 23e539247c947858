package dev.mycel.model.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.gguf.GgufTensorInfo;
import dev.mycel.model.synth.ModelShape;
import dev.mycel.model.synth.QuantRecipe;
import dev.mycel.model.synth.SyntheticModel;
import dev.mycel.model.testing.TestData;
import dev.mycel.model.tokenizer.Tokenizer;
import dev.mycel.model.tokenizer.Tokenizers;
import dev.mycel.tensor.GgmlType;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.tensor.VectorMath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agreement with llama.cpp on the architecture features that the plain-Llama golden data does
 * not have, on the data of {@code testdata/golden/architectures} (see its README):
 *
 * <ul>
 *   <li>tiny-qwen2: Qwen2's q/k/v biases, "neox" (halves) RoPE pairing, tied embeddings and
 *       RoPE base 1e6;</li>
 *   <li>tiny-llama3: tied embeddings, RoPE base 500000 and the Llama 3.1 RoPE frequency
 *       factors of {@code rope_freqs.weight} (llama.cpp divides each pair's angle by its factor).
 *       The 8 factors are 1 (pairs 0-3), 3.29 (pair 4, interpolated) and 32 (pairs 5-7).</li>
 * </ul>
 *
 * <p>Each in F32 and Q8_0, as written by {@code mycel model synth} (seed 1), with three prompts.
 * Checked: the prompt token ids, the last-prompt logits, and the 24 greedy steps with teacher
 * forcing (llama.cpp's token goes in at every step, ours is only compared).
 *
 * <p>F32: float32 arithmetic on both sides in different but fixed orders. Measured: at most
 * 1.2e-7 on the last-prompt logits (of order 0.1 to 1.5) and 2.4e-7 on the top-1 logit of the
 * steps. The tolerance is 1e-6, for both. Each feature done wrong moves the F32 last-prompt
 * logits much further (measured by changing the loaded config or weights): Qwen2 halves paired
 * as adjacent values 6.6e-3, no biases 0.14, only the k bias dropped 3.2e-4, Llama 3 pairs as
 * halves 4.4e-3, the frequency factors ignored 2.1e-5 (at positions below 40 only the slow pairs
 * 4-7 feel them), used as multipliers 1.4e-4, or in reverse order 3.4e-3. The F32 steps must all
 * give llama.cpp's token (smallest margin 0.116), with its top-1 logit and margin.
 *
 * <p>Q8_0: both sides round each matmul input to Q8_0 blocks of 32. Measured: at most 6.0e-8 on
 * the last-prompt logits; the tolerance is 1e-4, as in {@link LlamaGoldenTest}. A value can lie
 * within float32 noise of a rounding boundary (here the closest is 2.9e-6 of a step away from
 * x/d = k + 0.5). If the two sides ever round such a value differently, the logits move by 1e-3
 * to 2e-3 (measured by forcing one), as {@code testdata/golden/kquants/README.md} describes for
 * Q8_K. That is why the Q8_0 steps are checked as {@link KQuantGoldenTest} checks quantized
 * models: only the token, and only where llama.cpp's margin is at least 0.05 (here every step:
 * the smallest is 0.117).
 *
 * <p>With tied random embeddings the logit of the last input token stands far above the others,
 * so every case repeats that token. The token check alone would pass with any of the errors
 * above; the logit comparisons are what pin the features down.
 */
class ArchitectureGoldenTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ThreadPool POOL = new ThreadPool(2);
    private static final float F32_TOLERANCE = 1e-6f;
    private static final float Q8_0_TOLERANCE = 1e-4f;
    /** Greedy steps with a smaller llama.cpp margin are not compared for quantized models. */
    private static final float QUANTIZED_MIN_MARGIN = 0.05f;

    @TempDir
    static Path synthDir;

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    @TestFactory
    Stream<DynamicTest> architecturesAgreeWithLlamaCpp() throws IOException {
        Path dir = TestData.golden("architectures");
        List<DynamicTest> tests = new ArrayList<>();
        for (ModelShape shape : List.of(ModelShape.TINY_QWEN2, ModelShape.TINY_LLAMA3)) {
            for (String type : List.of("f32", "q8_0")) {
                String name = shape.id() + "-" + type;
                boolean f32 = type.equals("f32");
                JsonNode golden = JSON.readTree(dir.resolve(name + ".golden.json").toFile());
                Path model = dir.resolve(golden.get("model_file").asText());
                String sha256 = golden.get("model_sha256").asText();
                tests.add(DynamicTest.dynamicTest(name + ": model file", () -> checkModelFile(shape, type, model,
                        sha256)));
                for (JsonNode c : golden.get("cases")) {
                    JsonNode greedy = c.get("greedy");
                    tests.add(DynamicTest.dynamicTest(name + ": " + c.get("prompt").asText(), () -> check(model,
                            c.get("prompt").asText(), LlamaGoldenTest.ints(c.get("prompt_token_ids")),
                            dir.resolve(c.get("last_logits").get("file").asText()),
                            LlamaGoldenTest.ints(greedy.get("ids")), floats(greedy.get("top1_logit")),
                            floats(greedy.get("top1_minus_top2")), f32)));
                }
            }
        }
        return tests.stream();
    }

    /**
     * The stored file is the one llama.cpp ran, {@code mycel model synth} still writes it, and it
     * has the features it is there for.
     */
    private static void checkModelFile(ModelShape shape, String type, Path model, String sha256) throws IOException {
        assertEquals(sha256, sha256(model), "the model file is not the one llama.cpp ran on");
        Path synth = synthDir.resolve(model.getFileName());
        SyntheticModel.write(shape, QuantRecipe.parse(type), 1, synth, n -> { });
        assertEquals(-1, Files.mismatch(model, synth), "mycel model synth --shape " + shape.id() + " --type " + type
                + " no longer writes this file; regenerate the golden data (see the README)");
        GgmlType matrixType = type.equals("f32") ? GgmlType.F32 : GgmlType.Q8_0;
        try (GgufFile gguf = GgufFile.open(model)) {
            for (GgufTensorInfo t : gguf.tensors().values()) {
                assertEquals(t.dims().length == 2 ? matrixType : GgmlType.F32, t.type(), t.name());
            }
            LlamaConfig c = GgufLlamaLoader.config(gguf);
            LlamaWeights w = GgufLlamaLoader.weights(gguf, c, LayerSpan.all(c.layers()));
            assertEquals(shape.architecture(), c.architecture());
            assertEquals(shape.ropeBase(), c.ropeBase());
            assertEquals(16, c.headDim());
            assertFalse(gguf.tensor("output.weight").isPresent(), "tied embeddings: no output.weight");
            assertEquals(w.embedding().data().address(), w.output().data().address(),
                    "the output projection is the token embedding");
            if (shape == ModelShape.TINY_QWEN2) {
                assertEquals(RopeStyle.HALVES, c.ropeStyle());
                assertTrue(c.attentionBias());
                assertNotNull(w.layers()[1].bv());
                assertNull(w.ropeFreqFactors());
            } else {
                assertEquals(RopeStyle.ADJACENT, c.ropeStyle());
                assertFalse(c.attentionBias());
                float[] factors = w.ropeFreqFactors();
                assertArrayEquals(RopeScaling.llama3Factors(16, 500000, 32, 1, 4, 8192), factors);
                // All three regions of the llama3 scaling: kept, interpolated and slowed down 32 times.
                assertEquals(1f, factors[0]);
                assertTrue(factors[4] > 1f && factors[4] < 32f, "pair 4 is interpolated: " + factors[4]);
                assertEquals(32f, factors[7]);
            }
        }
    }

    private static void check(Path modelFile, String text, int[] prompt, Path logitsFile, int[] greedy, float[] top1,
                              float[] margins, boolean f32) throws IOException {
        float tol = f32 ? F32_TOLERANCE : Q8_0_TOLERANCE;
        float minMargin = f32 ? 0f : QUANTIZED_MIN_MARGIN;
        try (GgufFile gguf = GgufFile.open(modelFile)) {
            Tokenizer tokenizer = Tokenizers.fromGguf(gguf);
            assertArrayEquals(prompt, tokenizer.encode(text, true, false), "prompt token ids");
            LlamaConfig config = GgufLlamaLoader.config(gguf);
            LlamaModel model = new LlamaModel(config, GgufLlamaLoader.weights(gguf, config,
                    LayerSpan.all(config.layers())), POOL);
            InferenceState state = model.newState(prompt.length + greedy.length + 1);
            float[] logits = model.forward(state, prompt);
            float[] want = LlamaGoldenTest.readFloats(logitsFile);
            assertEquals(want.length, logits.length, "vocabulary size");
            float maxDiff = 0;
            for (int i = 0; i < want.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(want[i] - logits[i]));
            }
            assertTrue(maxDiff <= tol, "last-prompt logits differ by up to " + maxDiff + " (tolerance " + tol + ")");
            // Teacher forcing: llama.cpp's token goes in at every step, ours is only compared.
            for (int i = 0; i < greedy.length; i++) {
                int ours = VectorMath.argmax(logits, 0, logits.length);
                if (margins[i] >= minMargin) {
                    assertEquals(greedy[i], ours, "greedy token " + i + " (llama.cpp margin " + margins[i] + ")");
                }
                if (f32) {
                    float second = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < logits.length; j++) {
                        if (j != ours) {
                            second = Math.max(second, logits[j]);
                        }
                    }
                    assertEquals(top1[i], logits[ours], tol, "top-1 logit at step " + i);
                    assertEquals(margins[i], logits[ours] - second, 2 * tol, "top-1 margin at step " + i);
                }
                if (i + 1 < greedy.length) {
                    logits = model.forward(state, new int[] {greedy[i]});
                }
            }
        }
    }

    private static float[] floats(JsonNode array) {
        float[] r = new float[array.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) array.get(i).asDouble();
        }
        return r;
    }

    private static String sha256(Path p) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
