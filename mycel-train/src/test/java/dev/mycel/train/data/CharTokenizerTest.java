package dev.mycel.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CharTokenizerTest {
    @Test
    void numbersTheDistinctCharactersInSortedOrder() {
        CharTokenizer t = CharTokenizer.fromText("hello world");
        assertEquals(List.of(" ", "d", "e", "h", "l", "o", "r", "w"), t.vocabulary());
        assertArrayEquals(new int[] {3, 2, 4, 4, 5, 0, 7, 5, 6, 4, 1}, t.encode("hello world"));
        assertEquals("hello world", t.decode(t.encode("hello world")));
        assertEquals("", t.decode(new int[0]));
    }

    @Test
    void roundTripsTheWholeShakespeareCorpusWithItsSixtyFiveCharacters() {
        TextCorpus corpus = TextCorpus.bundledShakespeare();
        CharTokenizer t = corpus.tokenizer();
        assertEquals(65, t.vocabularySize());
        assertEquals("\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                String.join("", t.vocabulary()));
        String text = t.decode(corpus.tokens().toArray());
        assertEquals(1_115_394, text.length());
        assertTrue(text.startsWith("First Citizen:\nBefore we proceed any further, hear me speak.\n"));
        assertArrayEquals(corpus.tokens().toArray(), t.encode(text));
    }

    @Test
    void refusesAnUnknownCharacterNamingItAndWhereItIs() {
        CharTokenizer t = CharTokenizer.fromText("abc");
        assertEquals("character 'é' (U+00E9) at index 2 is not in the vocabulary of 3 characters",
                assertThrows(IllegalArgumentException.class, () -> t.encode("abé")).getMessage());
        assertEquals("character U+000A at index 0 is not in the vocabulary of 3 characters",
                assertThrows(IllegalArgumentException.class, () -> t.encode("\n")).getMessage());
        assertEquals("token id 3 is outside the vocabulary 0..2",
                assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {0, 3})).getMessage());
    }

    @Test
    void treatsASurrogatePairAsOneCharacterAndRefusesALoneSurrogate() {
        String text = "a😀b😀";
        CharTokenizer t = CharTokenizer.fromText(text);
        assertEquals(List.of("a", "b", "😀"), t.vocabulary());
        assertArrayEquals(new int[] {0, 2, 1, 2}, t.encode(text));
        assertEquals(text, t.decode(t.encode(text)));
        assertEquals(0x1F600, t.codePoint(2));
        assertEquals("lone surrogate U+D83D at index 1 is not a character",
                assertThrows(IllegalArgumentException.class, () -> t.encode("a\uD83D")).getMessage());
        assertEquals("lone surrogate U+DE00 at index 0 is not a character",
                assertThrows(IllegalArgumentException.class, () -> CharTokenizer.fromText("\uDE00x")).getMessage());
    }

    @Test
    void rebuildsItselfFromItsListedVocabulary() {
        CharTokenizer t = CharTokenizer.fromText("the quick brown 🦊 jumps");
        CharTokenizer again = CharTokenizer.fromVocabulary(t.vocabulary());
        assertEquals(t.vocabulary(), again.vocabulary());
        assertArrayEquals(t.encode("quick 🦊"), again.encode("quick 🦊"));
    }

    @Test
    void refusesAVocabularyThatIsNotSortedSingleCharacters() {
        assertEquals("vocabulary entry 1, 'a' (U+0061), does not come after entry 0, 'b' (U+0062);"
                        + " a character vocabulary is sorted and distinct",
                assertThrows(IllegalArgumentException.class, () -> CharTokenizer.fromVocabulary(List.of("b", "a"))).getMessage());
        assertEquals("vocabulary entry 0 is \"ab\", not a single character",
                assertThrows(IllegalArgumentException.class, () -> CharTokenizer.fromVocabulary(List.of("ab"))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> CharTokenizer.fromVocabulary(List.of("a", "a")));
        assertThrows(IllegalArgumentException.class, () -> CharTokenizer.fromVocabulary(List.of()));
        assertThrows(IllegalArgumentException.class, () -> CharTokenizer.fromText(""));
    }
}
