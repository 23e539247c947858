package dev.mycel.node.openai;

import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.Generator;
import dev.mycel.model.tokenizer.ChatMessage;
import dev.mycel.model.tokenizer.ChatTemplate;
import dev.mycel.model.testing.TestData;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The HTTP API serving the shipped model on a free loopback port, and what local generation
 * gives for the same request, so tests of client libraries can compare their answers with it.
 */
final class ShippedModelServer implements AutoCloseable {
    static final String ID = "stories260K";
    final LoadedModel model;
    final OpenAiHttpServer server;
    /** The API's base URL, ending in {@code /v1}, as OpenAI's clients take it. */
    final String base;

    private ShippedModelServer(LoadedModel model, OpenAiHttpServer server) {
        this.model = model;
        this.server = server;
        this.base = "http://127.0.0.1:" + server.port() + "/v1";
    }

    static ShippedModelServer start() throws IOException {
        LoadedModel model = LoadedModel.open(TestData.shippedModel("stories260K.gguf"), 1);
        return new ShippedModelServer(model, OpenAiHttpServer.start(new InetSocketAddress("127.0.0.1", 0),
                List.of(new LocalBackend(ID, model))));
    }

    int contextLength() {
        return model.config().contextLength();
    }

    int[] chatPrompt(String user) {
        return ChatTemplate.forTokenizer(model.tokenizer()).orElseThrow()
                .encode(model.tokenizer(), List.of(ChatMessage.user(user)), true);
    }

    /** Greedy local generation for a one-message chat, as a request without max_tokens must answer it: up to the context's end. */
    String greedyChat(String user) {
        int[] prompt = chatPrompt(user);
        return greedyChat(user, contextLength() - prompt.length);
    }

    String greedyChat(String user, int maxTokens) {
        return new Generator(model.model(), model.tokenizer()).generate(chatPrompt(user), contextLength(),
                GenerationOptions.greedy(maxTokens), s -> { }).text();
    }

    @Override
    public void close() {
        server.close();
        model.close();
    }
}
