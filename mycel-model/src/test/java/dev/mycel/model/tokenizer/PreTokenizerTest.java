package dev.mycel.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The pre-tokenizer steps, with Hugging Face's split behaviours and llama.cpp's whitespace rules. */
class PreTokenizerTest {

    private static List<String> split(String regex, PreTokenizer.Behavior behavior, boolean invert, String text) {
        var step = new PreTokenizer.RegexSplit(Pattern.compile(regex), behavior, invert, false);
        return new PreTokenizer(List.of(step)).split(text, true);
    }

    @Test
    void splitBehaviours() {
        String text = "a--b-c";
        assertEquals(List.of("a", "--", "b", "-", "c"), split("-+", PreTokenizer.Behavior.ISOLATED, false, text));
        assertEquals(List.of("a", "b", "c"), split("-+", PreTokenizer.Behavior.REMOVED, false, text));
        assertEquals(List.of("a--", "b-", "c"), split("-+", PreTokenizer.Behavior.MERGED_WITH_PREVIOUS, false, text));
        assertEquals(List.of("a", "--b", "-c"), split("-+", PreTokenizer.Behavior.MERGED_WITH_NEXT, false, text));
        assertEquals(List.of("a", "-", "-", "b", "-", "c"), split("-", PreTokenizer.Behavior.ISOLATED, false, text));
        assertEquals(List.of("a", "--", "b", "-", "c"), split("-", PreTokenizer.Behavior.CONTIGUOUS, false, text));
        assertEquals(List.of("--", "-"), split("-+", PreTokenizer.Behavior.REMOVED, true, text));
    }

    @Test
    void gpt2Words() {
        PreTokenizer gpt2 = PreTokenizer.llamaCpp(List.of(BpePreType.GPT2));
        assertEquals(List.of("Hello", ",", " world", "'s", "  ", " 42", "!", "\n"), gpt2.split("Hello, world's   42!\n", true));
    }

    @Test
    void llama3GroupsDigitsByThreeAndKeepsNewlines() {
        PreTokenizer llama3 = PreTokenizer.llamaCpp(List.of(BpePreType.LLAMA3));
        assertEquals(List.of("123", "456", "7", " x", ".\n\n", "I", "'VE"), llama3.split("1234567 x.\n\nI'VE", true));
    }

    @Test
    void nonAsciiWhitespaceCountsAsWhitespaceForLlamaCppRegexes() {
        PreTokenizer gpt2 = PreTokenizer.llamaCpp(List.of(BpePreType.GPT2));
        // U+3000 IDEOGRAPHIC SPACE and U+00A0 NO-BREAK SPACE are whitespace, not punctuation.
        assertEquals(List.of("a", "\u3000\u00A0", " b"), gpt2.split("a\u3000\u00A0 b", true));
    }

    @Test
    void metaspace() {
        var always = new PreTokenizer(List.of(new PreTokenizer.Metaspace('\u2581', PreTokenizer.PrependScheme.ALWAYS, true)));
        assertEquals(List.of("\u2581Hello", "\u2581world"), always.split("Hello world", false));
        assertEquals(List.of("\u2581", "\u2581Hello"), always.split("  Hello", true));
        var first = new PreTokenizer(List.of(new PreTokenizer.Metaspace('\u2581', PreTokenizer.PrependScheme.FIRST, false)));
        assertEquals(List.of("\u2581Hello\u2581world"), first.split("Hello world", true));
        assertEquals(List.of("Hello\u2581world"), first.split("Hello world", false));
    }

    @Test
    void prefixSpace() {
        var step = new PreTokenizer(List.of(new PreTokenizer.PrefixSpace()));
        assertEquals(List.of(" Hello"), step.split("Hello", true));
        assertEquals(List.of(" Hello"), step.split(" Hello", true));
    }
}
