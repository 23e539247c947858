package dev.mycel.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Streaming output holds back unfinished characters and ends up equal to decoding everything at once. */
class StreamingDecoderTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-bpe", "llama-spm", "qwen2", "gpt-2", "deepseek-llm"})
    void streamedTextEqualsDecodedText(String name) {
        Tokenizer t = SpecialTokensTest.vocab(name);
        for (GoldenVocab.Case c : GoldenVocab.named(name).cases()) {
            StreamingDecoder stream = new StreamingDecoder(t);
            StringBuilder out = new StringBuilder();
            for (int id : c.expected()) {
                String piece = stream.next(id);
                assertFalse(piece.contains("\uFFFD") && !t.decode(c.expected()).contains("\uFFFD"),
                        "no replacement characters while streaming " + c.displayName());
                out.append(piece);
            }
            out.append(stream.flush());
            assertEquals(t.decode(c.expected()), out.toString(), c.displayName());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-bpe", "llama-spm"})
    void anUnfinishedCharacterIsHeldBack(String name) {
        Tokenizer t = SpecialTokensTest.vocab(name);
        int[] ids = t.encode("🦙");
        StreamingDecoder stream = new StreamingDecoder(t);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < ids.length - 1; i++) {
            out.append(stream.next(ids[i]));
        }
        assertEquals(name.equals("llama-spm") ? " " : "", out.toString());
        assertEquals("🦙", stream.next(ids[ids.length - 1]));
        assertEquals("", stream.flush());
        // Cut short, the held-back bytes come out as a replacement character.
        for (int i = 0; i < ids.length - 1; i++) {
            stream.next(ids[i]);
        }
        assertEquals("\uFFFD", stream.flush());
    }
}
