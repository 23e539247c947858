package dev.mycel.node.openai;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.Generator;
import dev.mycel.model.generate.SamplerConfig;
import dev.mycel.model.llama.InferenceState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Log-probabilities are the engine's: the test runs the model itself, takes the logits each token
 * was sampled from, computes log-softmax here (independently of the server's code) and compares
 * every token, its top alternatives and their numbers, plain and streamed, chat and legacy shapes.
 */
class OpenAiLogprobsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double TOLERANCE = 1e-9;
    private static ShippedModelServer api;

    @BeforeAll
    static void start() throws Exception {
        api = ShippedModelServer.start();
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    /** One sampled token and the logits it came from, as the engine produced them. */
    private record Step(int token, float[] logits) {
        double logprob(int id) {
            double max = Double.NEGATIVE_INFINITY;
            for (float l : logits) {
                max = Math.max(max, l);
            }
            double sum = 0;
            for (float l : logits) {
                sum += Math.exp(l - max);
            }
            return logits[id] - max - Math.log(sum);
        }

        int[] top(int k) {
            return IntStream.range(0, logits.length).boxed()
                    .sorted(Comparator.<Integer>comparingDouble(i -> -logits[i]).thenComparingInt(i -> i))
                    .limit(k).mapToInt(Integer::intValue).toArray();
        }
    }

    /** Runs the engine as the server must for this prompt and sampler, keeping every step's logits. */
    private static List<Step> engine(int[] prompt, int maxTokens, SamplerConfig sampler) {
        List<Step> steps = new ArrayList<>();
        InferenceState state = api.model.model().newState(prompt.length + maxTokens);
        new Generator(api.model.model(), api.model.tokenizer()).generate(Generator.local(api.model.model(), state),
                prompt, new GenerationOptions(maxTokens, sampler, List.of(), false), s -> { },
                (token, logits) -> steps.add(new Step(token, logits.clone())));
        // the end-of-generation token that ends a completion has no text and no entry, as in OpenAI's answers
        if (!steps.isEmpty() && api.model.tokenizer().isEndOfGeneration(steps.getLast().token())) {
            steps.removeLast();
        }
        return steps;
    }

    private static String name(int token) {
        return new String(api.model.tokenizer().tokenBytes(token), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(api.base + path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static List<JsonNode> events(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        List<JsonNode> out = new ArrayList<>();
        for (String line : r.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList()) {
            if (!line.equals("[DONE]")) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    private static void assertChatEntries(List<Step> expected, JsonNode content, int top) {
        assertEquals(expected.size(), content.size(), content.toString());
        for (int i = 0; i < expected.size(); i++) {
            Step s = expected.get(i);
            JsonNode e = content.get(i);
            assertEquals(name(s.token()), e.get("token").asText());
            assertEquals(s.logprob(s.token()), e.get("logprob").asDouble(), TOLERANCE);
            byte[] bytes = api.model.tokenizer().tokenBytes(s.token());
            assertEquals(bytes.length, e.get("bytes").size());
            for (int b = 0; b < bytes.length; b++) {
                assertEquals(bytes[b] & 0xff, e.get("bytes").get(b).asInt());
            }
            int[] ids = s.top(top);
            JsonNode alternatives = e.get("top_logprobs");
            assertEquals(top, alternatives.size());
            for (int k = 0; k < top; k++) {
                assertEquals(name(ids[k]), alternatives.get(k).get("token").asText());
                assertEquals(s.logprob(ids[k]), alternatives.get(k).get("logprob").asDouble(), TOLERANCE);
            }
        }
    }

    @Test
    void chatLogprobsAreTheLogSoftmaxOfTheEnginesLogitsPlainAndStreamed() throws Exception {
        List<Step> steps = engine(api.chatPrompt("Tell me a story."), 20, SamplerConfig.greedy());
        assertTrue(steps.size() > 5, "too few tokens to show anything: " + steps.size());
        String body = "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story.\"}],"
                + "\"max_tokens\":20,\"temperature\":0,\"logprobs\":true,\"top_logprobs\":5";
        HttpResponse<String> plain = post("/chat/completions", body + "}");
        assertEquals(200, plain.statusCode(), plain.body());
        JsonNode choice = JSON.readTree(plain.body()).at("/choices/0");
        JsonNode content = choice.at("/logprobs/content");
        assertChatEntries(steps, content, 5);
        StringBuilder joined = new StringBuilder();
        content.forEach(e -> joined.append(e.get("token").asText()));
        assertEquals(choice.at("/message/content").asText(), joined.toString());

        ArrayNode streamed = JSON.createArrayNode();
        for (JsonNode event : events(post("/chat/completions", body + ",\"stream\":true}"))) {
            JsonNode lp = event.at("/choices/0/logprobs");
            if (lp.isObject()) {
                streamed.addAll((ArrayNode) lp.get("content"));
            }
        }
        assertEquals(content, streamed);
    }

    @Test
    void logprobsDescribeTheModelNotTheSamplingSettings() throws Exception {
        // Sampled at temperature 0.8 with top-k 5: the numbers are still the raw logits' log-softmax.
        SamplerConfig sampler = new SamplerConfig(0.8f, 5, 1f, 0f, 1f, 64, 1234);
        List<Step> steps = engine(api.chatPrompt("Tell me a story."), 16, sampler);
        HttpResponse<String> r = post("/chat/completions", "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Tell me a story.\"}],\"max_tokens\":16,\"temperature\":0.8,\"top_k\":5,\"seed\":1234,"
                + "\"logprobs\":true}");
        assertEquals(200, r.statusCode(), r.body());
        assertChatEntries(steps, JSON.readTree(r.body()).at("/choices/0/logprobs/content"), 0);
    }

    @Test
    void legacyCompletionLogprobsInOpenAisParallelArrays() throws Exception {
        String prompt = "Once upon a time";
        List<Step> steps = engine(api.model.tokenizer().encode(prompt, true, false), 12, SamplerConfig.greedy());
        String body = "{\"model\":\"stories260K\",\"prompt\":\"" + prompt + "\",\"max_tokens\":12,\"temperature\":0,"
                + "\"logprobs\":3";
        HttpResponse<String> plain = post("/completions", body + "}");
        assertEquals(200, plain.statusCode(), plain.body());
        JsonNode lp = JSON.readTree(plain.body()).at("/choices/0/logprobs");
        assertEquals(steps.size(), lp.get("tokens").size());
        int offset = prompt.length();
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            assertEquals(name(s.token()), lp.get("tokens").get(i).asText());
            assertEquals(s.logprob(s.token()), lp.get("token_logprobs").get(i).asDouble(), TOLERANCE);
            assertEquals(offset, lp.get("text_offset").get(i).asInt());
            offset += name(s.token()).length();
            JsonNode top = lp.get("top_logprobs").get(i);
            int[] ids = s.top(3);
            List<String> names = new ArrayList<>();
            top.fieldNames().forEachRemaining(names::add);
            assertArrayEquals(IntStream.of(ids).mapToObj(OpenAiLogprobsTest::name).distinct().toArray(), names.toArray());
            for (int id : ids) {
                assertEquals(s.logprob(id), top.get(name(id)).asDouble(), TOLERANCE);
            }
        }

        ArrayNode tokens = JSON.createArrayNode();
        ArrayNode logprobs = JSON.createArrayNode();
        ArrayNode offsets = JSON.createArrayNode();
        for (JsonNode event : events(post("/completions", body + ",\"stream\":true}"))) {
            JsonNode l = event.at("/choices/0/logprobs");
            if (l.isObject()) {
                tokens.addAll((ArrayNode) l.get("tokens"));
                logprobs.addAll((ArrayNode) l.get("token_logprobs"));
                offsets.addAll((ArrayNode) l.get("text_offset"));
            }
        }
        assertEquals(lp.get("tokens"), tokens);
        assertEquals(lp.get("token_logprobs"), logprobs);
        assertEquals(lp.get("text_offset"), offsets);
    }

    @Test
    void withoutLogprobsTheFieldIsNull() throws Exception {
        JsonNode o = JSON.readTree(post("/chat/completions", "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}],\"max_tokens\":3}").body());
        assertTrue(o.at("/choices/0/logprobs").isNull(), o.toString());
    }

    @Test
    void badLogprobsParametersNameTheParameter() throws Exception {
        String chat = "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],";
        for (String bad : new String[] {"\"logprobs\":true,\"top_logprobs\":21", "\"logprobs\":true,\"top_logprobs\":-1",
            "\"logprobs\":true,\"top_logprobs\":2.5", "\"logprobs\":false,\"top_logprobs\":2"}) {
            HttpResponse<String> r = post("/chat/completions", chat + bad + "}");
            assertEquals(400, r.statusCode(), bad);
            assertEquals("top_logprobs", JSON.readTree(r.body()).at("/error/param").asText(), bad);
        }
        for (String bad : new String[] {"\"logprobs\":\"yes\"", "\"logprobs\":1"}) {
            HttpResponse<String> r = post("/chat/completions", chat + bad + "}");
            assertEquals(400, r.statusCode(), bad);
            assertEquals("logprobs", JSON.readTree(r.body()).at("/error/param").asText(), bad);
        }
        for (String bad : new String[] {"6", "-1", "true"}) {
            HttpResponse<String> r = post("/completions", "{\"model\":\"stories260K\",\"prompt\":\"hi\",\"logprobs\":" + bad + "}");
            assertEquals(400, r.statusCode(), bad);
            assertEquals("logprobs", JSON.readTree(r.body()).at("/error/param").asText(), bad);
        }
    }
}
