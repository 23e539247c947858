package dev.mycel.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Whole-model prompts: the ids llama.cpp (tiny-llama-spm) and llama2.c's run.c (stories260K) fed
 * their models, BOS included, must be what {@code encode(prompt, true, false)} gives.
 */
class PromptTokenIdsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> tinyLlamaPrompts() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(TestData.golden("models"))) {
            for (Path golden : files.filter(p -> p.toString().endsWith(".golden.json")).sorted().toList()) {
                JsonNode root = JSON.readTree(golden.toFile());
                Tokenizer tokenizer = load(golden.resolveSibling(root.path("model_file").asText()));
                for (JsonNode c : root.path("cases")) {
                    tests.add(DynamicTest.dynamicTest(golden.getFileName() + ": " + c.path("prompt").asText(),
                            () -> assertArrayEquals(ids(c.path("prompt_token_ids")),
                                    tokenizer.encode(c.path("prompt").asText(), true, false))));
                }
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> stories260KPrompts() throws IOException {
        JsonNode root = JSON.readTree(TestData.golden("stories260K/stories260K.golden.json").toFile());
        Tokenizer tokenizer = load(TestData.shippedModel("stories260K.gguf"));
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root.path("cases")) {
            tests.add(DynamicTest.dynamicTest("stories260K: '" + c.path("prompt").asText() + "'",
                    () -> assertArrayEquals(ids(c.path("prompt_token_ids")), tokenizer.encode(c.path("prompt").asText(), true, false))));
        }
        return tests.stream();
    }

    /**
     * run.c printed the prompt and the generated story token by token, dropping the space of the
     * piece right after BOS; decoding the same ids must give the same text.
     */
    @Test
    void stories260KDecodesLikeRunC() throws IOException {
        JsonNode root = JSON.readTree(TestData.golden("stories260K/stories260K.golden.json").toFile());
        Tokenizer tokenizer = load(TestData.shippedModel("stories260K.gguf"));
        for (JsonNode c : root.path("cases")) {
            int[] prompt = ids(c.path("prompt_token_ids"));
            int[] generated = ids(c.path("generated_ids"));
            int[] all = new int[prompt.length - 1 + generated.length];
            System.arraycopy(prompt, 1, all, 0, prompt.length - 1);
            System.arraycopy(generated, 0, all, prompt.length - 1, generated.length);
            String text = tokenizer.decode(all);
            String printed = (text.startsWith(" ") ? text.substring(1) : text) + "\n";
            assertEquals(c.path("stdout_text").asText(), printed, "case '" + c.path("prompt").asText() + "'");
        }
    }

    @Test
    void emptyPromptIsJustBos() {
        Tokenizer tokenizer = load(TestData.shippedModel("stories260K.gguf"));
        assertArrayEquals(new int[] {1}, tokenizer.encode("", true, false));
        assertArrayEquals(new int[0], tokenizer.encode("", false, false));
    }

    private static Tokenizer load(Path gguf) {
        try (GgufFile file = GgufFile.open(gguf)) {
            return Tokenizers.fromGguf(file);
        }
    }

    private static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).asInt();
        }
        return ids;
    }
}
