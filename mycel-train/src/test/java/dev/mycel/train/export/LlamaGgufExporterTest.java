package dev.mycel.train.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.engine.ModelSummary;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.model.generate.Generator;
import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.gguf.GgufTensorInfo;
import dev.mycel.model.llama.InferenceState;
import dev.mycel.model.llama.LlamaConfig;
import dev.mycel.model.llama.RopeStyle;
import dev.mycel.tensor.GgmlType;
import dev.mycel.train.data.CharTokenizer;
import dev.mycel.train.data.TextCorpus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaGgufExporterTest {
    private static CharTokenizer shakespeare;
    private static String shakespeareText;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadShakespeare() {
        TextCorpus corpus = TextCorpus.bundledShakespeare();
        shakespeare = corpus.tokenizer();
        shakespeareText = shakespeare.decode(corpus.tokens().toArray());
    }

    /** Shakespeare's 65 characters + 3 special tokens, dim 32, 2 blocks, 4 heads, 2 key/value heads. */
    private static TinyLlama shakespeareModel() {
        return new TinyLlama(LlamaHyperParameters.of(CharVocabulary.modelVocabularySize(shakespeare), 32, 2, 4, 2, 64, 64),
                42);
    }

    private static ModelCard card() {
        return ModelCard.of("tiny-shakespeare-char", "A character-level Llama trained on Tiny Shakespeare.")
                .withDataset("tiny_shakespeare").withTraining(5000, 1.4703f).with("learning_rate", "0.001");
    }

    private Path export(TinyLlama m, CharTokenizer chars) throws IOException {
        Path file = dir.resolve("model.gguf");
        LlamaGgufExporter.export(m.hp, m.tensors, chars, card(), file);
        return file;
    }

    @Test
    void theEngineReadsTheHyperParametersBack() throws IOException {
        TinyLlama m = shakespeareModel();
        Path file = dir.resolve("model.gguf");
        var summary = LlamaGgufExporter.export(m.hp, m.tensors, shakespeare, card(), file);
        assertEquals(68, m.hp.vocabSize());
        assertEquals(Files.size(file), summary.bytes());
        assertEquals(m.hp.parameterCount(), summary.parameters());
        assertEquals(2 + 2 * 9 + 1, summary.tensors());
        // All F32: the weights take 4 bytes each, the metadata and alignment a few kilobytes.
        assertTrue(summary.bytes() >= 4 * summary.parameters() && summary.bytes() < 4 * summary.parameters() + 8192,
                summary.toString());

        try (LoadedModel loaded = LoadedModel.open(file, 1)) {
            LlamaConfig c = loaded.config();
            assertEquals(new LlamaConfig("llama", 32, 2, 4, 2, 8, 64, 68, 64, 1e-5f, 10000f, 8, 1f, RopeStyle.ADJACENT,
                    false), c);
            assertEquals(LoadedModel.Format.GGUF, loaded.format());
        }
        ModelSummary s = ModelSummary.of(file);
        assertNull(s.problem());
        assertEquals("tiny-shakespeare-char", s.name());
        assertEquals(m.hp.parameterCount(), s.parameters());
    }

    @Test
    void writesTheMetadataLlamaCppReadsWithItsTypes() throws IOException {
        TinyLlama m = shakespeareModel();
        try (GgufFile g = GgufFile.open(export(m, shakespeare))) {
            assertEquals("llama", g.string("general.architecture").orElseThrow());
            assertEquals("tiny-shakespeare-char", g.string("general.name").orElseThrow());
            assertEquals("A character-level Llama trained on Tiny Shakespeare.", g.string("general.description").orElseThrow());
            assertEquals(0L, g.integer("general.file_type").orElseThrow());
            assertEquals("tiny_shakespeare", g.string("general.training.dataset").orElseThrow());
            assertEquals(5000L, g.integer("general.training.steps").orElseThrow());
            assertEquals(1.4703f, g.float32("general.training.loss").orElseThrow());
            assertEquals("0.001", g.string("general.training.learning_rate").orElseThrow());
            // llama.cpp's loader insists on the GGUF type of each key: uint32 integers, float32 reals.
            for (String key : List.of("vocab_size", "context_length", "embedding_length", "block_count",
                    "feed_forward_length", "rope.dimension_count", "attention.head_count", "attention.head_count_kv")) {
                assertEquals("UINT32", g.metadata().get("llama." + key).type().name(), key);
            }
            assertEquals("FLOAT32", g.metadata().get("llama.attention.layer_norm_rms_epsilon").type().name());
            assertEquals("FLOAT32", g.metadata().get("llama.rope.freq_base").type().name());
            assertEquals("INT32", g.metadata().get("tokenizer.ggml.token_type").elementType().name());
            assertEquals("FLOAT32", g.metadata().get("tokenizer.ggml.scores").elementType().name());
            assertEquals("BOOL", g.metadata().get("tokenizer.ggml.add_bos_token").type().name());
            assertEquals(68L, g.integer("llama.vocab_size").orElseThrow());
            assertEquals(8L, g.integer("llama.rope.dimension_count").orElseThrow());
            assertFalse(g.has("llama.attention.key_length"));
            assertEquals("llama", g.string("tokenizer.ggml.model").orElseThrow());
            assertEquals(65L, g.integer("tokenizer.ggml.unknown_token_id").orElseThrow());
            assertEquals(66L, g.integer("tokenizer.ggml.bos_token_id").orElseThrow());
            assertEquals(67L, g.integer("tokenizer.ggml.eos_token_id").orElseThrow());
            assertEquals(false, g.bool("tokenizer.ggml.add_bos_token").orElseThrow());
            assertEquals(false, g.bool("tokenizer.ggml.add_eos_token").orElseThrow());
            assertEquals(false, g.bool("tokenizer.ggml.add_space_prefix").orElseThrow());

            // Every tensor F32, with GGUF's dimensions: innermost first.
            assertEquals(m.hp.tensorShapes().keySet().stream().toList(), g.tensorNames());
            GgufTensorInfo q = g.tensor("blk.1.attn_k.weight").orElseThrow();
            assertArrayEquals(new long[] {32, 16}, q.dims());
            for (GgufTensorInfo t : g.tensors().values()) {
                assertEquals(GgmlType.F32, t.type(), t.name());
            }
            // The bytes are the trained floats.
            NamedTensor k = m.tensors.stream().filter(t -> t.name().equals("blk.1.attn_k.weight")).findFirst().orElseThrow();
            var data = g.tensorData(q);
            for (int i = 0; i < k.values().length; i++) {
                assertEquals(Float.floatToRawIntBits(k.values()[i]),
                        data.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 4L * i));
            }
        }
    }

    @Test
    void mycelsTokenizerGivesTheTrainingIdsForAllOfShakespeare() throws IOException {
        Path file = export(shakespeareModel(), shakespeare);
        try (LoadedModel loaded = LoadedModel.open(file, 1)) {
            var tok = loaded.tokenizer();
            assertEquals(68, tok.vocabSize());
            assertEquals("llama/default", tok.type());
            assertFalse(tok.addBos());
            assertFalse(tok.addEos());
            assertEquals(66, tok.bos());
            assertEquals(67, tok.eos());
            assertTrue(tok.isEndOfGeneration(67));
            assertTrue(tok.isControl(65) && tok.isControl(66) && tok.isControl(67));
            assertEquals("\u2581", tok.tokenText(shakespeare.encode(" ")[0]));
            assertTrue(tok.chatTemplate().isEmpty());
            // Each character alone, the way generation feeds it back.
            for (int id = 0; id < shakespeare.vocabularySize(); id++) {
                String ch = Character.toString(shakespeare.codePoint(id));
                assertArrayEquals(new int[] {id}, tok.encode(ch), "character id " + id);
                assertArrayEquals(new int[] {id}, tok.encode(ch, true, true), "character id " + id);
                assertEquals(ch, tok.decode(new int[] {id}));
                assertFalse(tok.isEndOfGeneration(id));
                assertFalse(tok.isControl(id));
            }
            // Runs of spaces and newlines, leading and trailing: no space added, nothing merged.
            String sample = "  ROMEO:\nBut, soft! what light through yonder window breaks?\n\n  It is the east.  \n";
            assertArrayEquals(shakespeare.encode(sample), tok.encode(sample, true, false));
            assertEquals(sample, tok.decode(tok.encode(sample)));
            // The whole corpus, 1,115,394 characters, in one piece.
            int[] ids = shakespeare.encode(shakespeareText);
            assertArrayEquals(ids, tok.encode(shakespeareText));
            assertEquals(shakespeareText, tok.decode(ids));
        }
    }

    @Test
    void theEngineComputesWhatTheArchitectureDefines() throws IOException {
        TinyLlama m = shakespeareModel();
        Path file = export(m, shakespeare);
        int[] tokens = shakespeare.encode("First Citizen:\nBefore we proceed any further, hear me speak.");
        assertTrue(tokens.length <= m.hp.contextLength());
        float[][] expected = m.logits(tokens);
        try (LoadedModel loaded = LoadedModel.open(file, 1)) {
            InferenceState state = loaded.model().newState(tokens.length);
            for (int pos = 0; pos < tokens.length; pos++) {
                float[] actual = loaded.model().forward(state, new int[] {tokens[pos]});
                assertClose(expected[pos], actual, "position " + pos);
            }
        }
    }

    private static void assertClose(float[] expected, float[] actual, String where) {
        assertEquals(expected.length, actual.length, where);
        double scale = 0;
        for (float f : expected) {
            scale = Math.max(scale, Math.abs(f));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4 * scale, where + ", logit " + i);
        }
    }

    @Test
    void greedyGenerationRunsAsMycelGenerateRunsIt() throws IOException {
        TinyLlama m = shakespeareModel();
        Path file = export(m, shakespeare);
        String prompt = "ROMEO:\nO, she doth teach";
        try (LoadedModel loaded = LoadedModel.open(file, 1)) {
            // What GenerateCommand does: encode with addSpecial (no BOS here), a window of the trained context.
            int[] promptIds = loaded.tokenizer().encode(prompt, true, false);
            assertArrayEquals(shakespeare.encode(prompt), promptIds);
            Generator g = new Generator(loaded.model(), loaded.tokenizer());
            StringBuilder streamed = new StringBuilder();
            GenerationResult r = g.generate(promptIds, loaded.config().contextLength(),
                    new GenerationOptions(30, dev.mycel.model.generate.SamplerConfig.greedy(), List.of(), true),
                    streamed::append);
            assertEquals(30, r.tokens().length);

            // The same tokens as the reference, step by step, each the argmax of its logits.
            int[] seq = java.util.Arrays.copyOf(promptIds, promptIds.length + 30);
            for (int i = 0; i < 30; i++) {
                float[] last = m.logits(java.util.Arrays.copyOf(seq, promptIds.length + i))[promptIds.length + i - 1];
                seq[promptIds.length + i] = argmax(last);
            }
            assertArrayEquals(java.util.Arrays.copyOfRange(seq, promptIds.length, seq.length), r.tokens());

            // The text is the characters of the generated ids (a special token would print nothing).
            StringBuilder chars = new StringBuilder();
            for (int id : r.tokens()) {
                if (id < shakespeare.vocabularySize()) {
                    chars.appendCodePoint(shakespeare.codePoint(id));
                }
            }
            assertEquals(chars.toString(), r.text());
            assertEquals(chars.toString(), streamed.toString());
        }
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void theSameModelGivesTheSameBytesInAnyTensorOrder() throws IOException {
        TinyLlama m = shakespeareModel();
        List<NamedTensor> shuffled = new ArrayList<>(m.tensors);
        Collections.shuffle(shuffled, new Random(7));
        ByteArrayOutputStream a = new ByteArrayOutputStream();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        LlamaGgufExporter.prepare(m.hp, m.tensors, CharVocabulary.of(shakespeare), card()).writeTo(a);
        LlamaGgufExporter.prepare(m.hp, shuffled, CharVocabulary.of(shakespeare), card()).writeTo(b);
        assertArrayEquals(a.toByteArray(), b.toByteArray());
        assertArrayEquals(a.toByteArray(), Files.readAllBytes(export(m, shakespeare)));
    }

    @Test
    void aHeadWidthOtherThanDimOverHeadsIsWrittenAndRead() throws IOException {
        CharTokenizer chars = CharTokenizer.fromText("abc d\n");
        LlamaHyperParameters hp = new LlamaHyperParameters(CharVocabulary.modelVocabularySize(chars), 24, 1, 4, 1, 10, 48,
                16, 1e-6f, 500000f);
        TinyLlama m = new TinyLlama(hp, 3);
        Path file = export(m, chars);
        try (LoadedModel loaded = LoadedModel.open(file, 1)) {
            LlamaConfig c = loaded.config();
            assertEquals(10, c.headDim());
            assertEquals(10, c.ropeDim());
            assertEquals(1e-6f, c.normEps());
            assertEquals(500000f, c.ropeBase());
            int[] tokens = chars.encode("ab d\nca");
            InferenceState state = loaded.model().newState(tokens.length);
            float[][] expected = m.logits(tokens);
            for (int pos = 0; pos < tokens.length; pos++) {
                assertClose(expected[pos], loaded.model().forward(state, new int[] {tokens[pos]}), "position " + pos);
            }
        }
    }

    @Test
    void unusualCharactersRoundTrip() throws IOException {
        // Tab, carriage return, a byte-order mark, accents, CJK, an emoji (a surrogate pair), '<' and '>'.
        String text = "a\tb\r\n\uFEFFzoë 日本 🦊 <s> </s> <unk>";
        CharTokenizer chars = CharTokenizer.fromText(text);
        TinyLlama m = new TinyLlama(LlamaHyperParameters.of(CharVocabulary.modelVocabularySize(chars), 16, 1, 2, 2, 32, 32), 5);
        Path file = export(m, chars);
        try (LoadedModel loaded = LoadedModel.open(file, 1)) {
            var tok = loaded.tokenizer();
            assertArrayEquals(chars.encode(text), tok.encode(text));
            assertEquals(text, tok.decode(chars.encode(text)));
            // Special-token text is plain text unless special parsing is asked for (mycel generate --special).
            assertArrayEquals(chars.encode("<s>"), tok.encode("<s>", true, false));
            assertArrayEquals(new int[] {tok.bos()}, tok.encode("<s>", true, true));
            // A character outside the vocabulary has no byte tokens to fall back on: Mycel gives <unk>.
            assertArrayEquals(new int[] {chars.encode("a")[0], chars.vocabularySize()}, tok.encode("aQ"));
        }
        try (GgufFile g = GgufFile.open(file)) {
            assertEquals(chars.vocabulary(), CharVocabulary.readTokenizer(g).vocabulary());
        }
    }

    @Test
    void withByteFallbackACharacterOutsideTheVocabularyBecomesItsBytes() throws IOException {
        CharVocabulary vocab = CharVocabulary.withByteFallback(shakespeare);
        assertEquals(68 + 256, vocab.size());
        TinyLlama m = new TinyLlama(LlamaHyperParameters.of(vocab.size(), 32, 2, 4, 2, 64, 64), 9);
        Path file = dir.resolve("bytes.gguf");
        LlamaGgufExporter.export(m.hp, m.tensors, vocab, card(), file);
        try (LoadedModel loaded = LoadedModel.open(file, 1)) {
            var tok = loaded.tokenizer();
            assertEquals(66, tok.bos());
            assertEquals(67, tok.eos());
            // The characters still tokenize to their training ids; é (C3 A9) to two byte tokens.
            String text = "Caf\u00e9 au lait,\nsweet";
            int[] ids = tok.encode(text);
            int[] expected = new int[text.length() + 1];
            int[] head = shakespeare.encode("Caf");
            System.arraycopy(head, 0, expected, 0, 3);
            expected[3] = 68 + 0xC3;
            expected[4] = 68 + 0xA9;
            int[] tail = shakespeare.encode(" au lait,\nsweet");
            System.arraycopy(tail, 0, expected, 5, tail.length);
            assertArrayEquals(expected, ids);
            assertEquals(text, tok.decode(ids));
            assertArrayEquals(shakespeare.encode(shakespeareText.substring(0, 5000)), tok.encode(shakespeareText.substring(0, 5000)));
            int[] tokens = shakespeare.encode("ROMEO:\nO, she doth teach");
            InferenceState state = loaded.model().newState(tokens.length);
            float[][] expectedLogits = m.logits(tokens);
            for (int pos = 0; pos < tokens.length; pos++) {
                assertClose(expectedLogits[pos], loaded.model().forward(state, new int[] {tokens[pos]}), "position " + pos);
            }
        }
        try (GgufFile g = GgufFile.open(file)) {
            assertEquals(shakespeare.vocabulary(), CharVocabulary.readTokenizer(g).vocabulary());
        }
        TinyLlama tooSmall = shakespeareModel();
        assertEquals("the model's vocabulary has 68 tokens but the 65 characters need 324: the characters (ids 0..64) then "
                + "<unk>, <s>, </s> and the 256 byte tokens; train with vocabulary size CharVocabulary.size()",
                assertThrows(IllegalArgumentException.class, () -> LlamaGgufExporter.export(tooSmall.hp, tooSmall.tensors,
                        vocab, card(), dir.resolve("x.gguf"))).getMessage());
    }

    @Test
    void theCharacterTokenizerIsReadBackFromTheFile() throws IOException {
        try (GgufFile g = GgufFile.open(export(shakespeareModel(), shakespeare))) {
            CharTokenizer back = CharVocabulary.readTokenizer(g);
            assertEquals(shakespeare.vocabulary(), back.vocabulary());
        }
    }

    // ---- refusals ----

    private IllegalArgumentException refused(LlamaHyperParameters hp, List<NamedTensor> tensors, CharTokenizer chars) {
        Path file = dir.resolve("refused.gguf");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LlamaGgufExporter.export(hp, tensors, chars, card(), file));
        assertFalse(Files.exists(file), "nothing is written");
        return e;
    }

    private static List<NamedTensor> replace(List<NamedTensor> tensors, NamedTensor t) {
        List<NamedTensor> out = new ArrayList<>();
        for (NamedTensor x : tensors) {
            out.add(x.name().equals(t.name()) ? t : x);
        }
        return out;
    }

    @Test
    void refusesATensorOfTheWrongShapeNamingIt() {
        TinyLlama m = shakespeareModel();
        // attn_k with all 4 heads instead of the 2 key/value heads.
        var bad = replace(m.tensors, new NamedTensor("blk.1.attn_k.weight", new int[] {32, 32}, new float[32 * 32]));
        assertEquals("tensor 'blk.1.attn_k.weight' has shape [32, 32], expected [16, 32] ([kvHeads * headDim, dim])",
                refused(m.hp, bad, shakespeare).getMessage());
        // A matrix given as [in, out].
        bad = replace(m.tensors, new NamedTensor("blk.0.ffn_down.weight", new int[] {64, 32}, new float[64 * 32]));
        assertEquals("tensor 'blk.0.ffn_down.weight' has shape [64, 32], expected [32, 64] ([dim, ffnHidden])",
                refused(m.hp, bad, shakespeare).getMessage());
        bad = replace(m.tensors, new NamedTensor("output_norm.weight", new int[] {1, 32}, new float[32]));
        assertEquals("tensor 'output_norm.weight' has shape [1, 32], expected [32] ([dim])",
                refused(m.hp, bad, shakespeare).getMessage());
    }

    @Test
    void refusesAMissingExtraOrRepeatedTensorNamingIt() {
        TinyLlama m = shakespeareModel();
        List<NamedTensor> missing = m.tensors.stream().filter(t -> !t.name().equals("blk.1.ffn_up.weight")).toList();
        assertEquals("tensor 'blk.1.ffn_up.weight' is missing (expected shape [64, 32])",
                refused(m.hp, missing, shakespeare).getMessage());
        List<NamedTensor> noOutput = m.tensors.stream().filter(t -> !t.name().equals("output.weight")).toList();
        assertEquals("tensor 'output.weight' is missing (expected shape [68, 32])",
                refused(m.hp, noOutput, shakespeare).getMessage());

        List<NamedTensor> extra = new ArrayList<>(m.tensors);
        extra.add(new NamedTensor("blk.2.attn_q.weight", new int[] {32, 32}, new float[32 * 32]));
        assertTrue(refused(m.hp, extra, shakespeare).getMessage()
                .startsWith("tensor 'blk.2.attn_q.weight' is not part of a Llama model with 2 blocks"));
        List<NamedTensor> twice = new ArrayList<>(m.tensors);
        twice.add(m.tensors.get(3));
        assertEquals("tensor '" + m.tensors.get(3).name() + "' is given twice", refused(m.hp, twice, shakespeare).getMessage());
    }

    @Test
    void refusesValuesThatAreNotFinite() {
        TinyLlama m = shakespeareModel();
        float[] v = new float[16 * 32];
        v[3 * 32 + 5] = Float.NaN;
        var bad = replace(m.tensors, new NamedTensor("blk.0.attn_v.weight", new int[] {16, 32}, v));
        assertEquals("tensor 'blk.0.attn_v.weight' has NaN at [3, 5]; a model with values that are not finite cannot be "
                + "exported", refused(m.hp, bad, shakespeare).getMessage());
    }

    @Test
    void refusesAModelWhoseVocabularyHasNoRoomForTheSpecialTokens() {
        TinyLlama m = new TinyLlama(LlamaHyperParameters.of(65, 32, 2, 4, 2, 64, 64), 1);
        assertEquals("the model's vocabulary has 65 tokens but the 65 characters need 68: the characters (ids 0..64) then"
                        + " <unk>, <s>, </s>; train with vocabulary size CharVocabulary.modelVocabularySize(tokenizer)",
                refused(m.hp, m.tensors, shakespeare).getMessage());
    }

    @Test
    void refusesCharactersSentencePieceCannotRoundTrip() {
        CharTokenizer withMark = CharTokenizer.fromText("a b\u2581c");
        TinyLlama m = new TinyLlama(LlamaHyperParameters.of(CharVocabulary.modelVocabularySize(withMark), 16, 1, 2, 2, 32, 32), 1);
        assertTrue(refused(m.hp, m.tensors, withMark).getMessage()
                .startsWith("the character vocabulary has U+2581 '▁' (id 4), which a SentencePiece vocabulary uses to write a space"));
        CharTokenizer withNul = CharTokenizer.fromText("ab\u0000");
        m = new TinyLlama(LlamaHyperParameters.of(CharVocabulary.modelVocabularySize(withNul), 16, 1, 2, 2, 32, 32), 1);
        assertTrue(refused(m.hp, m.tensors, withNul).getMessage().startsWith("the character vocabulary has U+0000 (id 0)"));
    }

    @Test
    void refusesHyperParametersTheEngineWouldRefuse() {
        assertThrows(IllegalArgumentException.class, () -> LlamaHyperParameters.of(68, 30, 2, 4, 2, 64, 64));
        assertThrows(IllegalArgumentException.class, () -> LlamaHyperParameters.of(68, 32, 2, 4, 3, 64, 64));
        assertThrows(IllegalArgumentException.class, () -> new LlamaHyperParameters(68, 32, 2, 4, 2, 7, 64, 64, 1e-5f, 1e4f));
        assertThrows(IllegalArgumentException.class, () -> new LlamaHyperParameters(68, 32, 2, 4, 2, 8, 64, 64, 0f, 1e4f));
        assertThrows(IllegalArgumentException.class, () -> new NamedTensor("x", new int[] {2, 3}, new float[5]));
        assertThrows(IllegalArgumentException.class, () -> ModelCard.of(" ", ""));
        assertThrows(IllegalArgumentException.class, () -> ModelCard.of("m", "").with("Learning Rate", "1"));
        assertThrows(IllegalArgumentException.class, () -> ModelCard.of("m", "").with("steps", "1"));
    }
}
