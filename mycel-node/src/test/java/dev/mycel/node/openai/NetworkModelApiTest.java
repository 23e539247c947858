package dev.mycel.node.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The three client libraries at their defaults (no max_tokens) against a network model: the
 * API's {@link NetworkBackend} runs each request through two block servers found in the DHT, and
 * the answers equal local greedy generation to the context's end, or to the end of the session
 * length servers grant where that is shorter.
 */
class NetworkModelApiTest {
    private static final String USER = "Tell me a story.";
    private static ShippedModelServer api;

    @BeforeAll
    static void start() throws Exception {
        api = ShippedModelServer.startNetwork();
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void openAisJavaSdk() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(api.base).apiKey("unused").maxRetries(0).build();
        try {
            assertEquals(ShippedModelServer.ID, client.models().retrieve(ShippedModelServer.ID).validate().id());
            ChatCompletionCreateParams.Builder chat = ChatCompletionCreateParams.builder().model(ShippedModelServer.ID)
                    .addUserMessage(USER);
            assertFalse(client.chat().completions().create(chat.build()).validate().choices().getFirst().message()
                    .content().orElseThrow().isBlank());
            String expected = api.greedyChat(USER);
            assertEquals(expected, client.chat().completions().create(chat.temperature(0.0).build()).validate()
                    .choices().getFirst().message().content().orElseThrow());
            StringBuilder streamed = new StringBuilder();
            try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(chat.build())) {
                s.stream().forEach(c -> c.validate().choices().forEach(ch -> ch.delta().content().ifPresent(streamed::append)));
            }
            assertEquals(expected, streamed.toString());
        } finally {
            client.close();
        }
    }

    @Test
    void langChain4j() throws Exception {
        OpenAiChatModel defaults = OpenAiChatModel.builder().baseUrl(api.base).apiKey("unused")
                .modelName(ShippedModelServer.ID).build();
        assertFalse(defaults.chat(UserMessage.from(USER)).aiMessage().text().isBlank());
        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(api.base).apiKey("unused")
                .modelName(ShippedModelServer.ID).temperature(0.0).timeout(Duration.ofSeconds(60)).build();
        StreamedChat streamed = StreamedChat.of(streaming, USER);
        assertEquals(api.greedyChat(USER), streamed.pieces());
    }

    @Test
    void withoutMaxTokensANetworkModelRunsToTheEndOfTheSessionServersGrant() throws Exception {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(api.base).apiKey("unused").maxRetries(0).build();
        try {
            int prompt = api.chatPrompt(USER).length;
            ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                    .model(ShippedModelServer.SHORT_ID).addUserMessage(USER).temperature(0.0).build()).validate();
            assertEquals(api.greedyChat(USER, ShippedModelServer.SHORT_SESSION - prompt),
                    c.choices().getFirst().message().content().orElseThrow());
            assertTrue(c.usage().orElseThrow().totalTokens() <= ShippedModelServer.SHORT_SESSION);
            BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions()
                    .create(ChatCompletionCreateParams.builder().model(ShippedModelServer.SHORT_ID).addUserMessage(USER)
                            .maxTokens(ShippedModelServer.SHORT_SESSION).build()));
            assertEquals("context_length_exceeded", e.code().orElseThrow());
            assertTrue(e.getMessage().contains("maximum context length is " + ShippedModelServer.SHORT_SESSION),
                    e.getMessage());
        } finally {
            client.close();
        }
    }

    @Test
    void openAisNpmClient() throws Exception {
        NpmClient.checkAtDefaults(api);
    }
}
