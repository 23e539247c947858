package dev.mycel.node.openai;

import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.model.generate.Generator;
import dev.mycel.model.tokenizer.ChatTemplate;
import dev.mycel.model.tokenizer.Tokenizer;
import java.util.Optional;
import java.util.function.Consumer;

/** A model the HTTP API can serve: run locally, or through block servers in the network. */
public interface ModelBackend {
    /** The name clients pass as {@code model}. */
    String id();

    Tokenizer tokenizer();

    /** The longest context (prompt plus completion) the model takes. */
    int contextLength();

    default Optional<ChatTemplate> chatTemplate() {
        return ChatTemplate.forTokenizer(tokenizer());
    }

    /**
     * Generates from a fresh context; may be called from several threads at once. {@code onToken}
     * sees each sampled token with its logits before the token's text goes to {@code onText}.
     */
    GenerationResult generate(int[] prompt, GenerationOptions options, Consumer<String> onText,
                              Generator.TokenObserver onToken);
}
