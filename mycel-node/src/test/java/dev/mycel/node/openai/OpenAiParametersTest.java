package dev.mycel.node.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the API does with each parameter: the completion limit's OpenAI semantics, parameters it
 * cannot honour refused by name, the harmless ones client libraries send accepted, and
 * {@code GET /v1/models/{id}}.
 */
class OpenAiParametersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ShippedModelServer api;

    @BeforeAll
    static void start() throws Exception {
        api = ShippedModelServer.start();
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(api.base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(api.base + path)));
    }

    private static JsonNode ok(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static JsonNode error(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertTrue(e.get("message").asText().length() > 5, r.body());
        assertTrue(e.has("type") && e.has("param") && e.has("code"), r.body());
        return e;
    }

    /** A chat request saying "hi" with the given extra fields (a JSON object's inside). */
    private static String chat(String extra) {
        return "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]"
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    @Test
    void chatWithoutMaxTokensRunsToTheContextsEnd() throws Exception {
        // A prompt that leaves a few positions: the completion fills exactly those.
        String words = "Once upon a time there was a little dog. ";
        StringBuilder text = new StringBuilder();
        while (api.chatPrompt(text + words).length < api.contextLength() - 6) {
            text.append(words);
        }
        String user = text.toString();
        int promptTokens = api.chatPrompt(user).length;
        ObjectNode body = JSON.createObjectNode().put("model", ShippedModelServer.ID).put("temperature", 0);
        body.putArray("messages").addObject().put("role", "user").put("content", user);
        JsonNode o = ok(post("/chat/completions", body.toString()));
        assertEquals(promptTokens, o.at("/usage/prompt_tokens").asInt());
        assertEquals("length", o.at("/choices/0/finish_reason").asText(), o.toString());
        assertEquals(api.contextLength(), o.at("/usage/total_tokens").asInt(), o.toString());
        assertEquals(api.greedyChat(user), o.at("/choices/0/message/content").asText());
    }

    @Test
    void aPromptThatFillsTheContextIsRefusedEvenWithoutMaxTokens() throws Exception {
        ObjectNode body = JSON.createObjectNode().put("model", ShippedModelServer.ID);
        body.putArray("messages").addObject().put("role", "user").put("content", "a dog. ".repeat(api.contextLength()));
        JsonNode e = error(post("/chat/completions", body.toString()), 400);
        assertEquals("context_length_exceeded", e.get("code").asText());
        assertEquals("messages", e.get("param").asText());
        assertTrue(e.get("message").asText().contains("maximum context length is " + api.contextLength()), e.toString());
    }

    @Test
    void anExplicitLimitThatDoesNotFitIsRefusedNotCut() throws Exception {
        int room = api.contextLength() - api.chatPrompt("hi").length;
        for (String field : new String[] {"max_tokens", "max_completion_tokens"}) {
            JsonNode e = error(post("/chat/completions", chat("\"" + field + "\":" + (room + 1))), 400);
            assertEquals("context_length_exceeded", e.get("code").asText());
            assertTrue(e.get("message").asText().contains("leave max_tokens out"), e.toString());
            JsonNode fits = ok(post("/chat/completions", chat("\"" + field + "\":" + room + ",\"temperature\":0")));
            assertTrue(fits.at("/usage/total_tokens").asInt() <= api.contextLength());
        }
    }

    @Test
    void legacyCompletionsKeepOpenAisDefaultOfSixteenTokens() throws Exception {
        JsonNode o = ok(post("/completions", "{\"model\":\"stories260K\",\"prompt\":\"Once upon a time\",\"temperature\":0}"));
        int generated = o.at("/usage/completion_tokens").asInt();
        assertTrue(generated == 16 || o.at("/choices/0/finish_reason").asText().equals("stop"), o.toString());
    }

    @Test
    void unsupportedParametersAreRefusedByName() throws Exception {
        Map<String, String> chatCases = Map.ofEntries(
                Map.entry("tools", "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]"),
                Map.entry("tool_choice", "\"tool_choice\":\"required\""),
                Map.entry("functions", "\"functions\":[{\"name\":\"f\"}]"),
                Map.entry("function_call", "\"function_call\":{\"name\":\"f\"}"),
                Map.entry("n", "\"n\":2"),
                Map.entry("response_format", "\"response_format\":{\"type\":\"json_object\"}"),
                Map.entry("logit_bias", "\"logit_bias\":{\"42\":5}"),
                Map.entry("audio", "\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"}"),
                Map.entry("modalities", "\"modalities\":[\"text\",\"audio\"]"),
                Map.entry("prediction", "\"prediction\":{\"type\":\"content\",\"content\":\"x\"}"),
                Map.entry("web_search_options", "\"web_search_options\":{}"),
                Map.entry("reasoning_effort", "\"reasoning_effort\":\"low\""),
                Map.entry("store", "\"store\":true"),
                Map.entry("frequency_penalty", "\"frequency_penalty\":0.5"),
                Map.entry("presence_penalty", "\"presence_penalty\":0.5"),
                Map.entry("service_tier", "\"service_tier\":\"flex\""),
                Map.entry("stream_options.chunk_size", "\"stream\":true,\"stream_options\":{\"chunk_size\":4}"),
                Map.entry("top_logprobs", "\"top_logprobs\":3"),
                Map.entry("a_new_parameter", "\"a_new_parameter\":1"));
        for (Map.Entry<String, String> c : chatCases.entrySet()) {
            JsonNode e = error(post("/chat/completions", chat(c.getValue())), 400);
            assertEquals(c.getKey(), e.get("param").asText(), c.getValue());
            assertEquals("invalid_request_error", e.get("type").asText());
        }
        Map<String, String> completionCases = Map.of(
                "echo", "\"echo\":true",
                "best_of", "\"best_of\":3",
                "suffix", "\"suffix\":\" The end.\"",
                "logprobs", "\"logprobs\":6",
                "messages", "\"messages\":[]");
        for (Map.Entry<String, String> c : completionCases.entrySet()) {
            JsonNode e = error(post("/completions", "{\"model\":\"stories260K\",\"prompt\":\"hi\"," + c.getValue() + "}"), 400);
            assertEquals(c.getKey(), e.get("param").asText(), c.getValue());
        }
    }

    @Test
    void harmlessParametersThatClientsSendByDefaultAreAccepted() throws Exception {
        JsonNode o = ok(post("/chat/completions", chat("\"max_tokens\":4,\"n\":1,\"user\":\"u-1\",\"stream\":false,"
                + "\"stream_options\":null,\"tools\":[],\"tool_choice\":\"none\",\"parallel_tool_calls\":true,"
                + "\"response_format\":{\"type\":\"text\"},\"logit_bias\":{},\"store\":false,\"metadata\":{},"
                + "\"service_tier\":\"auto\",\"modalities\":[\"text\"],\"frequency_penalty\":0,\"presence_penalty\":0,"
                + "\"safety_identifier\":\"s\",\"prompt_cache_key\":\"k\",\"seed\":1,\"top_p\":1,\"logprobs\":false")));
        assertEquals("chat.completion", o.get("object").asText());
        HttpResponse<String> streamed = post("/chat/completions", chat("\"max_tokens\":4,\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true,\"include_obfuscation\":false}"));
        assertEquals(200, streamed.statusCode(), streamed.body());
        ok(post("/completions", "{\"model\":\"stories260K\",\"prompt\":\"hi\",\"max_tokens\":4,\"n\":1,\"best_of\":1,"
                + "\"echo\":false,\"suffix\":null,\"user\":\"u\",\"logit_bias\":{}}"));
    }

    @Test
    void modelsCanBeRetrievedOneByOne() throws Exception {
        JsonNode m = ok(get("/models/stories260K"));
        assertEquals("stories260K", m.get("id").asText());
        assertEquals("model", m.get("object").asText());
        assertEquals("mycel", m.get("owned_by").asText());
        assertTrue(m.get("created").asLong() > 0);
        assertEquals(m, ok(get("/models")).at("/data/0"));
        JsonNode e = error(get("/models/no-such-model"), 404);
        assertEquals("model_not_found", e.get("code").asText());
        assertEquals("model", e.get("param").asText());
        assertTrue(e.get("message").asText().contains("'no-such-model'"), e.toString());
        error(get("/models/"), 404);
        error(post("/models/stories260K", "{}"), 405);
    }
}
