package dev.mycel.node.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP API against a real OpenAI client library (LangChain4j's), at its defaults too, and raw requests for the error cases. */
class OpenAiApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ShippedModelServer api;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        api = ShippedModelServer.start();
        base = api.base;
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    private static String greedyChat(String user, int maxTokens) {
        return api.greedyChat(user, maxTokens);
    }

    @Test
    void plainChatThroughLangChain4jMatchesLocalGreedyGeneration() {
        OpenAiChatModel chat = OpenAiChatModel.builder().baseUrl(base).apiKey("unused").modelName("stories260K")
                .temperature(0.0).maxTokens(24).timeout(Duration.ofSeconds(60)).build();
        ChatResponse r = chat.chat(dev.langchain4j.data.message.UserMessage.from("Tell me a story."));
        assertEquals(greedyChat("Tell me a story.", 24), r.aiMessage().text());
        assertTrue(r.tokenUsage().inputTokenCount() > 0);
        assertTrue(r.tokenUsage().outputTokenCount() > 0 && r.tokenUsage().outputTokenCount() <= 24);
    }

    @Test
    void streamingChatThroughLangChain4jDeliversTheSameText() throws Exception {
        OpenAiStreamingChatModel chat = OpenAiStreamingChatModel.builder().baseUrl(base).apiKey("unused")
                .modelName("stories260K").temperature(0.0).maxTokens(24).timeout(Duration.ofSeconds(60)).build();
        StreamedChat streamed = StreamedChat.of(chat, "Tell me a story.");
        ChatResponse r = streamed.response();
        String expected = greedyChat("Tell me a story.", 24);
        assertEquals(expected, streamed.pieces());
        assertEquals(expected, r.aiMessage().text());
    }

    @Test
    void langChain4jAtItsDefaultsSendsNoMaxTokensAndGetsAnAnswer() {
        // Only what a user must give: no temperature, no max tokens.
        OpenAiChatModel chat = OpenAiChatModel.builder().baseUrl(base).apiKey("unused").modelName("stories260K").build();
        ChatResponse r = chat.chat(dev.langchain4j.data.message.UserMessage.from("Tell me a story."));
        assertFalse(r.aiMessage().text().isBlank());
        assertTrue(r.tokenUsage().inputTokenCount() + r.tokenUsage().outputTokenCount() <= api.contextLength(),
                r.tokenUsage().toString());
    }

    @Test
    void withoutMaxTokensLangChain4jGetsTheGenerationToTheContextsEnd() throws Exception {
        String expected = api.greedyChat("Tell me a story.");
        OpenAiChatModel chat = OpenAiChatModel.builder().baseUrl(base).apiKey("unused").modelName("stories260K")
                .temperature(0.0).timeout(Duration.ofSeconds(60)).build();
        assertEquals(expected, chat.chat(dev.langchain4j.data.message.UserMessage.from("Tell me a story.")).aiMessage().text());
        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(base).apiKey("unused")
                .modelName("stories260K").temperature(0.0).timeout(Duration.ofSeconds(60)).build();
        StreamedChat streamed = StreamedChat.of(streaming, "Tell me a story.");
        assertEquals(expected, streamed.pieces());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static JsonNode error(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertTrue(e.get("message").asText().length() > 5);
        assertTrue(e.has("type") && e.has("param") && e.has("code"));
        return e;
    }

    @Test
    void completionsWithStopSequencesAndUsage() throws Exception {
        HttpResponse<String> r = post("/completions", "{\"model\":\"stories260K\",\"prompt\":\"Once upon a time\","
                + "\"max_tokens\":40,\"temperature\":0,\"stop\":[\".\"]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode o = JSON.readTree(r.body());
        String text = o.at("/choices/0/text").asText();
        assertFalse(text.contains("."), text);
        assertEquals("stop", o.at("/choices/0/finish_reason").asText());
        assertEquals(o.at("/usage/prompt_tokens").asInt() + o.at("/usage/completion_tokens").asInt(),
                o.at("/usage/total_tokens").asInt());
        try (HttpClient http = HttpClient.newHttpClient()) {
            JsonNode models = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/models")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertEquals("stories260K", models.at("/data/0/id").asText());
        }
    }

    @Test
    void streamedCompletionEndsWithDone() throws Exception {
        HttpResponse<String> r = post("/completions", "{\"model\":\"stories260K\",\"prompt\":\"Once upon a time\","
                + "\"max_tokens\":8,\"temperature\":0,\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> events = r.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        assertEquals("[DONE]", events.getLast());
        JsonNode usage = JSON.readTree(events.get(events.size() - 2)).get("usage");
        assertEquals(8, usage.get("completion_tokens").asInt());
        assertEquals("length", JSON.readTree(events.get(events.size() - 3)).at("/choices/0/finish_reason").asText());
    }

    @Test
    void badRequestsGetOpenAiErrorsWithTheRightStatus() throws Exception {
        assertEquals("model_not_found", error(post("/chat/completions",
                "{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), 404).get("code").asText());
        assertEquals("context_length_exceeded", error(post("/completions",
                "{\"model\":\"stories260K\",\"prompt\":\"hi\",\"max_tokens\":100000}"), 400).get("code").asText());
        error(post("/completions", "{\"model\":\"stories260K\",\"prompt\":"), 400);
        assertEquals("max_tokens", error(post("/completions",
                "{\"model\":\"stories260K\",\"prompt\":\"hi\",\"max_tokens\":\"ten\"}"), 400).get("param").asText());
        assertEquals("temperature", error(post("/completions",
                "{\"model\":\"stories260K\",\"prompt\":\"hi\",\"temperature\":\"hot\"}"), 400).get("param").asText());
        assertEquals("messages", error(post("/chat/completions",
                "{\"model\":\"stories260K\",\"messages\":\"hi\"}"), 400).get("param").asText());
        assertEquals("messages[0].role", error(post("/chat/completions",
                "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}"), 400)
                .get("param").asText());
        error(post("/completions", "[1,2,3]"), 400);
        error(post("/nowhere", "{}"), 404);
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(base + "/completions")).build(),
                    HttpResponse.BodyHandlers.ofString());
            error(get, 405);
        }
        error(post("/completions", "{\"model\":\"stories260K\",\"prompt\":\"" + "x".repeat(OpenAiHttpServer.MAX_BODY_BYTES)
                + "\"}"), 413);
    }
}
