package dev.mycel.node.openai;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

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

    @Test
    void withoutNodeTheTestFailsSayingWhatToInstall() throws Exception {
        Path empty = Files.createTempDirectory("no-node");
        try {
            AssertionFailedError e = assertThrows(AssertionFailedError.class,
                    () -> NpmClient.requireNodeAndNpm(empty.toString()));
            assertTrue(e.getMessage().startsWith("node and npm not found on PATH"), e.getMessage());
            assertTrue(e.getMessage().contains("apt-get install nodejs npm"), e.getMessage());
        } finally {
            Files.delete(empty);
        }
    }
}
