package dev.mycel.node.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OpenAI's official Java SDK against the API at its default settings (no max_tokens), with
 * every response run through the SDK's own validation of OpenAI's schema.
 */
class OpenAiJavaSdkTest {
    private static final String USER = "Tell me a story.";
    private static ShippedModelServer api;
    private static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        api = ShippedModelServer.start();
        client = OpenAIOkHttpClient.builder().baseUrl(api.base).apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        api.close();
    }

    private static ChatCompletionCreateParams.Builder chat() {
        return ChatCompletionCreateParams.builder().model(ShippedModelServer.ID).addUserMessage(USER);
    }

    @Test
    void plainChatAtTheSdksDefaults() {
        ChatCompletion c = client.chat().completions().create(chat().build()).validate();
        String text = c.choices().getFirst().message().content().orElseThrow();
        assertFalse(text.isBlank());
        assertTrue(c.usage().orElseThrow().totalTokens() <= api.contextLength());
    }

    @Test
    void greedyChatWithoutMaxTokensEqualsLocalGenerationToTheContextsEnd() {
        ChatCompletion c = client.chat().completions().create(chat().temperature(0.0).build()).validate();
        assertEquals(api.greedyChat(USER), c.choices().getFirst().message().content().orElseThrow());
    }

    @Test
    void streamedChatWithoutMaxTokensDeliversTheSameText() {
        StringBuilder text = new StringBuilder();
        String finish = null;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                .createStreaming(chat().temperature(0.0).build())) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
                chunk.validate();
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                    choice.delta().content().ifPresent(text::append);
                    if (choice.finishReason().isPresent()) {
                        finish = choice.finishReason().get().asString();
                    }
                }
            }
        }
        assertEquals(api.greedyChat(USER), text.toString());
        assertTrue("stop".equals(finish) || "length".equals(finish), String.valueOf(finish));
    }

    @Test
    void modelsRetrieveAndItsNotFound() {
        Model m = client.models().retrieve(ShippedModelServer.ID).validate();
        assertEquals(ShippedModelServer.ID, m.id());
        assertEquals("mycel", m.ownedBy());
        NotFoundException e = assertThrows(NotFoundException.class, () -> client.models().retrieve("no-such-model"));
        assertEquals(404, e.statusCode());
        assertEquals("model_not_found", e.code().orElseThrow());
    }

    @Test
    void logprobsInTheSdksTypes() {
        ChatCompletion c = client.chat().completions().create(chat().temperature(0.0).maxCompletionTokens(8)
                .logprobs(true).topLogprobs(3).build()).validate();
        List<ChatCompletionTokenLogprob> content = c.choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
        assertFalse(content.isEmpty());
        for (ChatCompletionTokenLogprob t : content) {
            assertTrue(t.logprob() <= 0);
            assertEquals(3, t.topLogprobs().size());
            assertTrue(t.topLogprobs().getFirst().logprob() >= t.logprob());
        }
        Completion legacy = client.completions().create(CompletionCreateParams.builder().model(ShippedModelServer.ID)
                .prompt("Once upon a time").temperature(0.0).logprobs(2).build()).validate();
        assertFalse(legacy.choices().getFirst().logprobs().orElseThrow().tokens().orElseThrow().isEmpty());
    }

    @Test
    void anUnsupportedParameterReachesTheSdkAsA400NamingIt() {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(chat().n(2).build()));
        assertEquals("n", e.param().orElseThrow());
    }
}
