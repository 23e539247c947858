package dev.mycel.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The bytes each token contributes to the output, which is what a streaming caller collects. */
class TokenBytesTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void sentencePiecePieces() {
        Tokenizer t = SpecialTokensTest.vocab("llama-spm");
        assertArrayEquals(utf8(" Hello"), t.tokenBytes(15043)); // ▁Hello
        assertArrayEquals(new byte[] {'\n'}, t.tokenBytes(t.tokenId("<0x0A>").orElseThrow()));
        assertArrayEquals(new byte[] {(byte) 0xF0}, t.tokenBytes(t.tokenId("<0xF0>").orElseThrow()));
        assertArrayEquals(new byte[0], t.tokenBytes(1)); // <s>
        assertArrayEquals(new byte[0], t.tokenBytes(0)); // <unk>
        assertArrayEquals(utf8("</s>"), t.tokenBytes(2, true));
        assertTrue(t.isControl(1));
        assertEquals("▁Hello", t.tokenText(15043));
    }

    @Test
    void byteLevelPieces() {
        Tokenizer t = SpecialTokensTest.vocab("llama-bpe");
        int hello = t.tokenId("ĠHello").orElseThrow();
        assertArrayEquals(utf8(" Hello"), t.tokenBytes(hello));
        assertArrayEquals(utf8("\n"), t.tokenBytes(t.tokenId("Ċ").orElseThrow()));
        assertArrayEquals(new byte[0], t.tokenBytes(128009));
        assertArrayEquals(utf8("<|eot_id|>"), t.tokenBytes(128009, true));
    }

    /**
     * An emoji is split over several tokens, none of which is valid UTF-8 alone; the caller buffers
     * the bytes and gets the character back once they are all there.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama-bpe", "llama-spm", "qwen2", "gpt-2"})
    void multiByteCharacterSplitAcrossTokens(String name) {
        Tokenizer t = SpecialTokensTest.vocab(name);
        String text = "a 🦙 ü 我";
        int[] ids = t.encode(text);
        ByteArrayOutputStream streamed = new ByteArrayOutputStream();
        boolean sawPartial = false;
        for (int k = 0; k < ids.length; k++) {
            streamed.writeBytes(t.tokenBytes(ids[k]));
            if (!isCompleteUtf8(streamed.toByteArray())) {
                sawPartial = true;
                // Decoding a prefix that ends inside a character gives U+FFFD, not an exception.
                assertTrue(t.decode(Arrays.copyOf(ids, k + 1)).endsWith("\uFFFD"));
            }
        }
        assertTrue(sawPartial, "expected some token to hold only part of a character: " + Arrays.toString(ids));
        String expected = name.equals("llama-spm") ? " " + text : text;
        assertEquals(expected, streamed.toString(StandardCharsets.UTF_8));
        assertEquals(expected, t.decode(ids));
    }

    @Test
    void rejectsIdsOutsideTheVocabulary() {
        Tokenizer t = SpecialTokensTest.vocab("llama-spm");
        assertThrows(IllegalArgumentException.class, () -> t.tokenBytes(32000));
        assertThrows(IllegalArgumentException.class, () -> t.tokenBytes(-1));
    }

    @Test
    void loneSurrogatesBecomeReplacementCharacters() {
        Tokenizer t = SpecialTokensTest.vocab("llama-bpe");
        assertArrayEquals(t.encode("a\uFFFDb"), t.encode("a\uD800b"));
    }

    private static boolean isCompleteUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
