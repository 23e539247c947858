package dev.mycel.node.openai;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OpenAI's npm client against the API at its default settings ({@link NpmClient}): models.retrieve
 * and its 404, a chat at the client's defaults, greedy plain and streamed chats without max_tokens
 * equal to local generation. Fails, saying what to install, where node or npm is missing.
 */
class NpmOpenAiClientTest {
    private static ShippedModelServer api;

    @BeforeAll
    static void start() throws Exception {
        api = ShippedModelServer.start();
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    @Test
    void openAisNpmClientAtItsDefaults() throws Exception {
        NpmClient.checkAtDefaults(api);
    }
}
