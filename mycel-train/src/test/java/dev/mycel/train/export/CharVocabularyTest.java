package dev.mycel.train.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mycel.model.ModelFormatException;
import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.gguf.GgufValue;
import dev.mycel.model.gguf.GgufWriter;
import dev.mycel.train.data.CharTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CharVocabularyTest {
    @TempDir
    Path dir;

    @Test
    void charactersKeepTheirIdsAndTheSpecialTokensFollow() {
        CharTokenizer chars = CharTokenizer.fromText("hello world\n");
        CharVocabulary v = CharVocabulary.of(chars);
        assertEquals(List.of("\n", "▁", "d", "e", "h", "l", "o", "r", "w", "<unk>", "<s>", "</s>"), v.tokens());
        assertEquals(12, v.size());
        assertEquals(12, CharVocabulary.modelVocabularySize(chars));
        assertEquals(9, v.unknownId());
        assertEquals(10, v.bosId());
        assertEquals(11, v.eosId());
        assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 3}, v.tokenTypes());
        assertArrayEquals(new float[12], v.scores());
        assertEquals(chars, v.characters());
    }

    @Test
    void byteFallbackAppendsTheByteTokens() {
        CharTokenizer chars = CharTokenizer.fromText("ab");
        CharVocabulary v = CharVocabulary.withByteFallback(chars);
        assertEquals(2 + 3 + 256, v.size());
        assertEquals(List.of("a", "b", "<unk>", "<s>", "</s>", "<0x00>", "<0x01>"), v.tokens().subList(0, 7));
        assertEquals("<0xFF>", v.tokens().get(v.size() - 1));
        assertEquals(4, v.eosId());
        assertEquals(6, v.tokenTypes()[5]);
        assertEquals(6, v.tokenTypes()[v.size() - 1]);
        assertEquals(3, v.tokenTypes()[4]);
        assertEquals(CharVocabulary.modelVocabularySize(chars), CharVocabulary.of(chars).size());
    }

    private Path vocabularyOnly(String[] tokens, long[] types) throws IOException {
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "llama");
        w.putString("tokenizer.ggml.model", "llama");
        w.put("tokenizer.ggml.tokens", GgufValue.strings(tokens));
        w.put("tokenizer.ggml.token_type", GgufValue.ints(dev.mycel.model.gguf.GgufValueType.INT32, types));
        Path file = dir.resolve("vocab.gguf");
        w.write(file);
        return file;
    }

    @Test
    void readsTheCharactersBackFromAVocabularyOnlyFile() throws IOException {
        CharVocabulary v = CharVocabulary.of(CharTokenizer.fromText("to be, or not\n"));
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "llama");
        v.writeTo(w);
        Path file = dir.resolve("v.gguf");
        w.write(file);
        try (GgufFile g = GgufFile.open(file)) {
            assertEquals(v.characters().vocabulary(), CharVocabulary.readTokenizer(g).vocabulary());
        }
    }

    @Test
    void refusesToReadAVocabularyThatIsNotACharacterOne() throws IOException {
        // A Llama 2 style layout: the special tokens first.
        Path file = vocabularyOnly(new String[] {"<unk>", "<s>", "</s>", "a", "b"}, new long[] {2, 3, 3, 1, 1});
        try (GgufFile g = GgufFile.open(file)) {
            assertEquals(file + ": the vocabulary is not a character vocabulary (characters, then <unk>, <s>, </s>)",
                    assertThrows(ModelFormatException.class, () -> CharVocabulary.readTokenizer(g)).getMessage());
        }
        file = vocabularyOnly(new String[] {"a", "bc", "<unk>", "<s>", "</s>"}, new long[] {1, 1, 2, 3, 3});
        try (GgufFile g = GgufFile.open(file)) {
            assertEquals(file + ": vocabulary entry 1 is \"bc\", not a single character",
                    assertThrows(ModelFormatException.class, () -> CharVocabulary.readTokenizer(g)).getMessage());
        }
    }
}
