package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mycel.model.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GenerateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void jsonOutputIsTheStableContractAndMatchesLlamaCppGreedyTokens() throws Exception {
        String model = TestData.golden("models/tiny-llama-spm-q8_0.gguf").toString();
        Cli.Result r = Cli.run("generate", "--model", model, "--prompt", "Hello world", "--max-tokens", "24",
                "--temperature", "0", "--ignore-eos", "--threads", "2", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode o = JSON.readTree(r.out());
        List<String> keys = new ArrayList<>();
        o.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("prompt_tokens", "tokens", "text", "logits_sha256"), keys);
        assertEquals("[1,15043,3186]", o.get("prompt_tokens").toString());
        JsonNode golden = JSON.readTree(TestData.golden("models/tiny-llama-spm-q8_0.golden.json").toFile());
        assertEquals(golden.get("cases").get(0).get("greedy").get("ids").toString(), o.get("tokens").toString());
        assertTrue(o.get("logits_sha256").asText().matches("[0-9a-f]{64}"));
    }

    @Test
    void theDefaultsGenerateAStoryWithTheShippedModel() {
        Cli.Result r = Cli.run("generate", "--max-tokens", "30", "--temperature", "0");
        assertEquals(0, r.exitCode(), r.err());
        // llama2.c's run.c gives exactly this greedy continuation (golden case 0).
        assertTrue(r.out().startsWith("Once upon a time, there was a little girl named Lily."), r.out());
    }

    @Test
    void theSameSeedGivesTheSameTextAndADifferentSeedUsuallyNot() throws Exception {
        String[] base = {"generate", "--max-tokens", "40", "--temperature", "1.0", "--json"};
        JsonNode a = JSON.readTree(Cli.run(concat(base, "--seed", "7")).out());
        JsonNode b = JSON.readTree(Cli.run(concat(base, "--seed", "7")).out());
        JsonNode c = JSON.readTree(Cli.run(concat(base, "--seed", "8")).out());
        assertEquals(a, b);
        assertTrue(!a.get("tokens").equals(c.get("tokens")), "seeds 7 and 8 gave the same 40 tokens");
    }

    @Test
    void stopSequencesEndTheTextBeforeThem() throws Exception {
        JsonNode o = JSON.readTree(Cli.run("generate", "--max-tokens", "60", "--temperature", "0", "--stop", "Lily",
                "--json").out());
        assertEquals(", there was a little girl named ", o.get("text").asText());
    }

    @Test
    void badOptionsGetOneLineErrors() {
        Cli.Result r = Cli.run("generate", "--temperature", "-1");
        assertEquals(2, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("temperature"), r.err());
        Cli.Result missing = Cli.run("generate", "--model", "/nonexistent/model.gguf");
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().strip().startsWith("mycel: error: /nonexistent/model.gguf: no such file"), missing.err());
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
