package dev.mycel.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * llama.cpp's tokenizer test vectors: every case of every vocabulary in testdata/golden/tokenizer
 * must give exactly the expected ids with {@code encode(text, false, false)}, as llama.cpp's
 * {@code test-tokenizer-0} checks. Vocabularies whose GGUF file is not in the repository are
 * reported as skipped.
 */
class GoldenTokenizerTest {

    @TestFactory
    Stream<DynamicNode> encodeMatchesLlamaCpp() {
        return GoldenVocab.all().stream().map(vocab -> {
            if (vocab.vocabFile().isEmpty()) {
                return DynamicTest.dynamicTest(vocab.name() + " (vocabulary file not in the repository)",
                        () -> Assumptions.abort("ggml-vocab-" + vocab.name() + ".gguf is not in testdata (over 4 MiB "
                                + "upstream); its " + vocab.cases().size() + " cases cannot be checked"));
            }
            Tokenizer tokenizer = vocab.load();
            List<DynamicTest> tests = new ArrayList<>();
            for (GoldenVocab.Case c : vocab.cases()) {
                tests.add(DynamicTest.dynamicTest(c.displayName(), () -> assertArrayEquals(c.expected(),
                        tokenizer.encode(c.input(), false, false),
                        () -> "got " + Arrays.toString(tokenizer.encode(c.input(), false, false)))));
            }
            return DynamicContainer.dynamicContainer(vocab.name() + " (" + tokenizer.type() + ")", tests);
        });
    }

    /**
     * Decoding the ids gives the input back wherever the tokenizer loses nothing: byte-level BPE
     * always, SentencePiece up to the space it puts in front. (WordPiece lower-cases and drops
     * accents and spaces, so it is not reversible.)
     */
    @TestFactory
    Stream<DynamicNode> decodeRestoresInput() {
        return GoldenVocab.all().stream().filter(v -> v.vocabFile().isPresent()).map(vocab -> {
            Tokenizer tokenizer = vocab.load();
            List<DynamicTest> tests = new ArrayList<>();
            boolean sentencePiece = tokenizer.type().startsWith("llama/");
            boolean reversible = sentencePiece || tokenizer.type().startsWith("gpt2/");
            for (GoldenVocab.Case c : vocab.cases()) {
                tests.add(DynamicTest.dynamicTest(c.displayName(), () -> {
                    Assumptions.assumeTrue(reversible, "WordPiece normalizes text, so decoding cannot restore it");
                    String expected = sentencePiece && !c.input().isEmpty() ? " " + c.input() : c.input();
                    assertEquals(expected, tokenizer.decode(c.expected()));
                    assertEquals(expected, tokenizer.decode(tokenizer.encode(c.input())));
                }));
            }
            return DynamicContainer.dynamicContainer(vocab.name(), tests);
        });
    }
}
