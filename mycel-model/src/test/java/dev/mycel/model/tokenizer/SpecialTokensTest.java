package dev.mycel.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** BOS/EOS, special-token parsing and end-of-generation detection, as llama.cpp does them. */
class SpecialTokensTest {
    private static final Map<String, Tokenizer> CACHE = new HashMap<>();

    static synchronized Tokenizer vocab(String name) {
        return CACHE.computeIfAbsent(name, n -> GoldenVocab.named(n).load());
    }

    private static int id(Tokenizer t, String text) {
        return t.tokenId(text).orElseThrow(() -> new AssertionError("no token " + text));
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }

    @Test
    void llama3ControlTokensParseOnlyWhenAsked() {
        Tokenizer t = vocab("llama-bpe");
        int eot = id(t, "<|eot_id|>");
        assertEquals(128009, eot);
        assertArrayEquals(new int[] {eot}, t.encode("<|eot_id|>", false, true));
        int[] plain = t.encode("<|eot_id|>", false, false);
        assertTrue(plain.length > 1, "as plain text <|eot_id|> is several tokens");
        assertFalse(IntStream.of(plain).anyMatch(i -> i == eot));
        assertArrayEquals(concat(new int[] {id(t, "<|start_header_id|>")}, t.encode("user"), new int[] {id(t, "<|end_header_id|>")}),
                t.encode("<|start_header_id|>user<|end_header_id|>", false, true));
    }

    @Test
    void addSpecialFollowsTheVocabularyFlags() {
        Tokenizer llama3 = vocab("llama-bpe");
        assertTrue(llama3.addBos());
        assertArrayEquals(concat(new int[] {128000}, llama3.encode("Hello")), llama3.encode("Hello", true, false));
        // Like llama.cpp, a BOS written in the text is kept too: the caller must not render it twice.
        assertArrayEquals(new int[] {128000, 128000}, llama3.encode("<|begin_of_text|>", true, true));

        Tokenizer qwen = vocab("qwen2");
        assertFalse(qwen.addBos());
        assertArrayEquals(qwen.encode("Hello"), qwen.encode("Hello", true, false));

        Tokenizer spm = vocab("llama-spm");
        assertArrayEquals(new int[] {1, 15043, 3186}, spm.encode("Hello world", true, false));
        assertFalse(spm.addEos());

        Tokenizer bert = vocab("bert-bge");
        int[] ids = bert.encode("hello", true, false);
        assertEquals(101, ids[0]);
        assertEquals(102, ids[ids.length - 1]);
    }

    @Test
    void chatMlMarkup() {
        Tokenizer t = vocab("qwen2");
        int start = id(t, "<|im_start|>");
        int end = id(t, "<|im_end|>");
        int[] expected = concat(new int[] {start}, t.encode("user\nHi"), new int[] {end}, t.encode("\n"));
        assertArrayEquals(expected, t.encode("<|im_start|>user\nHi<|im_end|>\n", false, true));
    }

    @Test
    void sentencePieceGetsASpaceAfterEachSpecialToken() {
        Tokenizer t = vocab("llama-spm");
        // "Hello" after <s> is encoded as " Hello", as llama.cpp and Hugging Face's legacy Llama tokenizer do.
        assertArrayEquals(new int[] {15043, 1, 15043}, t.encode("Hello<s>Hello", false, true));
        assertArrayEquals(new int[] {1, 1, 15043}, t.encode("<s>Hello", true, true));
    }

    @Test
    void userDefinedTokensAreAlwaysRecognised() {
        // deepseek-coder's added tokens (such as 'õ') are user-defined: found even without special parsing.
        Tokenizer t = vocab("deepseek-coder");
        int o = id(t, "õ");
        assertEquals(32000, o);
        assertArrayEquals(new int[] {o}, t.encode("õ", false, false));
        // mpt's runs of spaces are added tokens too.
        Tokenizer mpt = vocab("mpt");
        int spaces = id(mpt, " ".repeat(24));
        assertArrayEquals(new int[] {spaces}, mpt.encode(" ".repeat(24), false, false));
    }

    @Test
    void phi3MarkupSwallowsTheFollowingNewline() {
        Tokenizer t = vocab("phi-3");
        int user = id(t, "<|user|>");
        // <|user|> has RSTRIP (llama.cpp's phi-3 rule), so the newline after it is dropped.
        assertArrayEquals(concat(new int[] {user}, t.encode("Hi")), t.encode("<|user|>\nHi", false, true));
    }

    @Test
    void endOfGeneration() {
        Tokenizer llama3 = vocab("llama-bpe");
        assertTrue(llama3.isEndOfGeneration(128001)); // <|end_of_text|>, EOS
        assertTrue(llama3.isEndOfGeneration(128009)); // <|eot_id|>
        assertFalse(llama3.isEndOfGeneration(128000));
        assertFalse(llama3.isEndOfGeneration(id(llama3, "Hello")));

        Tokenizer qwen = vocab("qwen2");
        assertTrue(qwen.isEndOfGeneration(id(qwen, "<|endoftext|>")));
        assertTrue(qwen.isEndOfGeneration(id(qwen, "<|im_end|>")));
        assertFalse(qwen.isEndOfGeneration(id(qwen, "<|im_start|>")));

        Tokenizer phi3 = vocab("phi-3");
        assertTrue(phi3.isEndOfGeneration(id(phi3, "<|end|>")));
        assertTrue(phi3.isEndOfGeneration(id(phi3, "<|endoftext|>")));
        assertFalse(phi3.isEndOfGeneration(id(phi3, "<|assistant|>")));

        Tokenizer spm = vocab("llama-spm");
        assertTrue(spm.isEndOfGeneration(2));
        assertFalse(spm.isEndOfGeneration(1));
    }

    @Test
    void typeNamesTheModelAndPreTokenizer() {
        assertEquals("gpt2/llama-bpe", vocab("llama-bpe").type());
        assertEquals("llama/default", vocab("llama-spm").type());
        assertEquals("bert/bert-bge", vocab("bert-bge").type());
        assertNotEquals(vocab("qwen2").type(), vocab("gpt-2").type());
    }
}
