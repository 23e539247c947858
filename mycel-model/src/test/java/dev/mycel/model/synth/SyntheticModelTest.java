package dev.mycel.model.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.gguf.GgufTensorInfo;
import dev.mycel.model.llama.GgufLlamaLoader;
import dev.mycel.model.llama.LlamaConfig;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.Generator;
import dev.mycel.tensor.GgmlType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticModelTest {
    @TempDir
    Path dir;

    @Test
    void tinyShapeHasTheGoldenTinyModelsLayoutAndRuns() throws Exception {
        Path out = dir.resolve("tiny.gguf");
        List<Long> progress = new ArrayList<>();
        SyntheticModel.write(ModelShape.TINY, QuantRecipe.parse("q8_0"), 1, out, progress::add);
        assertFalse(progress.isEmpty());
        assertEquals(SyntheticModel.tensorBytes(ModelShape.TINY, QuantRecipe.parse("q8_0")), progress.getLast());
        try (GgufFile synth = GgufFile.open(out);
             GgufFile golden = GgufFile.open(dev.mycel.model.testing.TestData.golden("models/tiny-llama-spm-q8_0.gguf"))) {
            assertEquals(GgufLlamaLoader.config(golden), GgufLlamaLoader.config(synth));
            for (GgufTensorInfo t : golden.tensors().values()) {
                GgufTensorInfo s = synth.tensor(t.name()).orElseThrow(() -> new AssertionError("missing " + t.name()));
                assertArrayEquals(t.dims(), s.dims(), t.name());
                assertEquals(t.type(), s.type(), t.name());
            }
        }
        try (LoadedModel m = LoadedModel.open(out, 2)) {
            int[] prompt = m.tokenizer().encode("Hello", true, false);
            var r = new Generator(m.model(), m.tokenizer()).generate(prompt, GenerationOptions.greedy(5), s -> { });
            assertEquals(5, r.tokens().length);
        }
    }

    @Test
    void sameSeedGivesSameBytesAndAnotherSeedOther() throws Exception {
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        Path c = dir.resolve("c.gguf");
        SyntheticModel.write(ModelShape.TINY, QuantRecipe.parse("f16"), 5, a, n -> { });
        SyntheticModel.write(ModelShape.TINY, QuantRecipe.parse("f16"), 5, b, n -> { });
        SyntheticModel.write(ModelShape.TINY, QuantRecipe.parse("f16"), 6, c, n -> { });
        assertEquals(-1, Files.mismatch(a, b));
        assertTrue(Files.mismatch(a, c) >= 0);
    }

    @Test
    void q4KmRecipeFollowsLlamaQuantize() {
        QuantRecipe r = QuantRecipe.parse("Q4_K_M");
        assertEquals(GgmlType.Q6_K, r.output(2048));
        assertEquals(GgmlType.Q4_K, r.embedding(2048));
        // 16 blocks: the first 2, the last 2 and every third in between get Q6_K.
        List<Integer> more = new ArrayList<>();
        for (int l = 0; l < 16; l++) {
            if (r.blockMatrix("ffn_down", l, 16, 8192) == GgmlType.Q6_K) {
                more.add(l);
            }
            assertEquals(GgmlType.Q4_K, r.blockMatrix("attn_q", l, 16, 2048));
        }
        assertEquals(List.of(0, 1, 4, 7, 10, 13, 14, 15), more);
        // Rows that are not whole K-quant blocks fall back on Q8_0.
        assertEquals(GgmlType.Q8_0, r.blockMatrix("attn_q", 0, 16, 896));
    }

    @Test
    void bigShapesHaveThePublishedSizes() {
        // Llama 3.2 1B: 1.24 B parameters (tied embeddings); its Q4_K_M file is 808 MB.
        long q4km = SyntheticModel.tensorBytes(ModelShape.LLAMA_3_2_1B, QuantRecipe.parse("q4_k_m"));
        assertTrue(q4km > 795e6 && q4km < 810e6, "Q4_K_M bytes " + q4km);
        LlamaConfig expected8b = new LlamaConfig("llama", 4096, 32, 32, 8, 128, 14336, 128256, 131072, 1e-5f,
                500000f, 128, 1f, dev.mycel.model.llama.RopeStyle.ADJACENT, false);
        assertEquals(4096, expected8b.dim());
        long q8 = SyntheticModel.tensorBytes(ModelShape.LLAMA_3_1_8B, QuantRecipe.parse("q8_0"));
        assertTrue(q8 > 8.0e9 && q8 < 8.6e9, "8B Q8_0 bytes " + q8);
    }

    @Test
    void unknownShapesAndTypesAreRefusedWithTheChoices() {
        var e = assertThrows(IllegalArgumentException.class, () -> ModelShape.parse("llama-9b"));
        assertTrue(e.getMessage().contains("llama-3.2-1b"), e.getMessage());
        var t = assertThrows(IllegalArgumentException.class, () -> QuantRecipe.parse("q3_k"));
        assertTrue(t.getMessage().contains("q4_k_m"), t.getMessage());
    }
}
