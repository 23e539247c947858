package dev.mycel.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Hugging Face loader against the same test vectors as the GGUF loader: each golden vocabulary
 * is written out as a tokenizer.json directory in the layout of the real model files, loaded back,
 * and must give the golden ids, and the same ids as the GGUF tokenizer with BOS and special parsing.
 */
class HuggingFaceTokenizerTest {
    @TempDir
    static Path temp;

    @TestFactory
    Stream<DynamicNode> goldenCasesThroughTokenizerJson() throws IOException {
        List<DynamicNode> containers = new ArrayList<>();
        for (String name : List.of("llama-bpe", "qwen2", "gpt-2", "llama-spm")) {
            GoldenVocab vocab = GoldenVocab.named(name);
            Path dir = temp.resolve(name);
            if (name.equals("llama-spm")) {
                HuggingFaceFiles.writeSentencePiece(dir, vocab);
            } else {
                HuggingFaceFiles.writeByteLevel(dir, vocab);
            }
            Tokenizer hf = Tokenizers.fromHuggingFace(dir);
            Tokenizer gguf = vocab.load();
            List<DynamicTest> tests = new ArrayList<>();
            for (GoldenVocab.Case c : vocab.cases()) {
                tests.add(DynamicTest.dynamicTest(c.displayName(), () -> {
                    assertArrayEquals(c.expected(), hf.encode(c.input(), false, false));
                    assertArrayEquals(gguf.encode(c.input(), true, true), hf.encode(c.input(), true, true));
                    assertEquals(gguf.decode(c.expected()), hf.decode(c.expected()));
                }));
            }
            tests.add(DynamicTest.dynamicTest("special tokens and flags agree with the GGUF tokenizer", () -> {
                assertEquals(gguf.bos(), hf.bos());
                assertEquals(gguf.eos(), hf.eos());
                assertEquals(gguf.addBos(), hf.addBos());
                assertEquals(gguf.vocabSize(), hf.vocabSize());
                for (int id = 0; id < gguf.vocabSize(); id++) {
                    assertEquals(gguf.isEndOfGeneration(id), hf.isEndOfGeneration(id), "end of generation: " + id);
                }
                String chat = switch (name) {
                    case "llama-bpe" -> "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>";
                    case "qwen2" -> "<|im_start|>user\nHi!<|im_end|>\n";
                    case "gpt-2" -> "Hi!<|endoftext|>";
                    default -> "<s>[INST] Hi! [/INST]";
                };
                assertArrayEquals(gguf.encode(chat, false, true), hf.encode(chat, false, true));
                assertArrayEquals(gguf.encode(chat, false, false), hf.encode(chat, false, false));
            }));
            containers.add(DynamicContainer.dynamicContainer(name + " (" + hf.type() + ")", tests));
        }
        return containers.stream();
    }

    @TestFactory
    Stream<DynamicTest> llama3DirectoryDetails() throws IOException {
        Path dir = temp.resolve("llama3-details");
        HuggingFaceFiles.writeByteLevel(dir, GoldenVocab.named("llama-bpe"));
        Tokenizer hf = Tokenizers.fromHuggingFace(dir);
        return Stream.of(
                DynamicTest.dynamicTest("BOS comes from the post-processor template", () -> {
                    assertTrue(hf.addBos());
                    assertEquals(128000, hf.encode("Hi", true, false)[0]);
                }),
                DynamicTest.dynamicTest("<|eot_id|> ends generation", () -> {
                    assertTrue(hf.isEndOfGeneration(hf.tokenId("<|eot_id|>").orElseThrow()));
                    assertTrue(hf.isEndOfGeneration(hf.eos()));
                    assertFalse(hf.isEndOfGeneration(hf.tokenId("Hi").orElseThrow()));
                }));
    }
}
