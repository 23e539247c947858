package dev.mycel.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.model.ModelFormatException;
import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.gguf.GgufValue;
import dev.mycel.model.gguf.GgufValueType;
import dev.mycel.model.gguf.GgufWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A missing or broken tokenizer is a ModelFormatException with a one-line message naming file and problem. */
class BadTokenizerTest {
    private static final String NAME = "bad.gguf";

    /** A small valid SentencePiece vocabulary, to be broken by each test. */
    private static GgufWriter spm() {
        return new GgufWriter()
                .putString("general.architecture", "llama")
                .putString("tokenizer.ggml.model", "llama")
                .put("tokenizer.ggml.tokens", GgufValue.strings(new String[] {"<unk>", "<s>", "</s>", "▁a"}))
                .put("tokenizer.ggml.scores", GgufValue.floats(new float[] {0, 0, 0, -1}))
                .put("tokenizer.ggml.token_type", GgufValue.ints(GgufValueType.INT32, new long[] {2, 3, 3, 1}));
    }

    private static Tokenizer load(GgufWriter writer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Tokenizers.fromGguf(GgufFile.parse(MemorySegment.ofArray(out.toByteArray()), NAME));
    }

    private static String failure(GgufWriter writer) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> load(writer));
        String message = e.getMessage();
        assertTrue(message.startsWith(NAME + ": "), message);
        assertFalse(message.contains("\n"), "one line: " + message);
        return message;
    }

    private static GgufWriter with(GgufWriter w, Consumer<GgufWriter> change) {
        change.accept(w);
        return w;
    }

    @Test
    void theValidVocabularyLoads() {
        Tokenizer t = load(spm());
        assertEquals(4, t.vocabSize());
        assertEquals(3, t.encode("a")[0]);
    }

    @Test
    void noTokenizerAtAll() {
        String m = failure(new GgufWriter().putString("general.architecture", "llama"));
        assertTrue(m.contains("has no tokenizer") && m.contains("tokenizer.ggml.model"), m);
    }

    @Test
    void modelWithoutTokens() {
        String m = failure(new GgufWriter().putString("tokenizer.ggml.model", "llama"));
        assertTrue(m.contains("tokenizer.ggml.tokens"), m);
    }

    @Test
    void scoresOfTheWrongLength() {
        String m = failure(with(spm(), w -> w.put("tokenizer.ggml.scores", GgufValue.floats(new float[] {0, 0, 0}))));
        assertTrue(m.contains("'tokenizer.ggml.scores' has 3 entries but 'tokenizer.ggml.tokens' has 4"), m);
    }

    @Test
    void tokenTypesOfTheWrongLength() {
        String m = failure(with(spm(), w -> w.put("tokenizer.ggml.token_type",
                GgufValue.ints(GgufValueType.INT32, new long[] {2, 3, 3, 1, 1}))));
        assertTrue(m.contains("'tokenizer.ggml.token_type' has 5 entries"), m);
    }

    @Test
    void scoresOfTheWrongType() {
        String m = failure(with(spm(), w -> w.put("tokenizer.ggml.scores", GgufValue.strings(new String[] {"a", "b", "c", "d"}))));
        assertTrue(m.contains("tokenizer.ggml.scores"), m);
    }

    @Test
    void byteLevelBpeWithoutMerges() {
        String m = failure(new GgufWriter()
                .putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "llama-bpe")
                .put("tokenizer.ggml.tokens", GgufValue.strings(new String[] {"a", "b", "ab"}))
                .putUint32("tokenizer.ggml.bos_token_id", 0));
        assertTrue(m.contains("no merges") && m.contains("tokenizer.ggml.merges"), m);
    }

    @Test
    void unknownModelType() {
        String m = failure(with(spm(), w -> w.putString("tokenizer.ggml.model", "t5")));
        assertTrue(m.contains("'t5'") && m.contains("llama") && m.contains("gpt2") && m.contains("bert"), m);
    }

    @Test
    void unknownPreTokenizer() {
        String m = failure(new GgufWriter()
                .putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "no-such-pre")
                .put("tokenizer.ggml.tokens", GgufValue.strings(new String[] {"a", "b", "ab"}))
                .put("tokenizer.ggml.merges", GgufValue.strings(new String[] {"a b"})));
        assertTrue(m.contains("'no-such-pre'") && m.contains("llama-bpe") && m.contains("qwen2"), m);
    }

    @Test
    void addBosWithoutABosToken() {
        // gpt2 defaults BOS to id 11, which this tiny vocabulary does not have.
        String m = failure(new GgufWriter()
                .putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "gpt-2")
                .put("tokenizer.ggml.tokens", GgufValue.strings(new String[] {"a", "b", "ab"}))
                .put("tokenizer.ggml.merges", GgufValue.strings(new String[] {"a b"}))
                .putBool("tokenizer.ggml.add_bos_token", true));
        assertTrue(m.contains("add_bos_token") && m.contains("bos_token_id"), m);
    }

    @Test
    void outOfRangeSpecialIdsAreIgnoredLikeLlamaCpp() {
        // llama2.c conversions write 0xFFFFFFFF for "no such token".
        Tokenizer t = load(with(spm(), w -> w.putUint32("tokenizer.ggml.padding_token_id", 0xFFFFFFFFL)
                .putUint32("tokenizer.ggml.eos_token_id", 99)));
        assertEquals(2, t.eos());
    }

    @Test
    void huggingFaceDirectoryWithoutTokenizerJson(@TempDir Path dir) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromHuggingFace(dir));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void huggingFaceUnsupportedModel(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromHuggingFace(dir));
        assertTrue(e.getMessage().contains("'Unigram'") && e.getMessage().contains("BPE"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void huggingFaceBrokenJson(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", ");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromHuggingFace(dir));
        assertTrue(e.getMessage().contains("cannot read JSON"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void huggingFaceUnsupportedPreTokenizer(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), """
                {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]},
                 "pre_tokenizer": {"type": "BertPreTokenizer"}}
                """);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizers.fromHuggingFace(dir));
        assertTrue(e.getMessage().contains("'BertPreTokenizer'"), e.getMessage());
    }
}
