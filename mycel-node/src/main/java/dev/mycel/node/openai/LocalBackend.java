package dev.mycel.node.openai;

import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.model.generate.Generator;
import dev.mycel.model.llama.InferenceState;
import dev.mycel.model.tokenizer.Tokenizer;
import java.util.function.Consumer;

/**
 * A model held whole by this process. Requests take turns: the kernels already use every core,
 * so running two at once would only make both slower.
 */
public final class LocalBackend implements ModelBackend {
    private final String id;
    private final LoadedModel model;
    private final Generator generator;

    public LocalBackend(String id, LoadedModel model) {
        this.id = id;
        this.model = model;
        this.generator = new Generator(model.model(), model.tokenizer());
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Tokenizer tokenizer() {
        return model.tokenizer();
    }

    @Override
    public int contextLength() {
        return model.config().contextLength();
    }

    @Override
    public synchronized GenerationResult generate(int[] prompt, GenerationOptions options, Consumer<String> onText,
                                                  Generator.TokenObserver onToken) {
        int positions = (int) Math.min(contextLength(), (long) prompt.length + options.maxTokens());
        InferenceState state = model.model().newState(Math.max(1, positions));
        return generator.generate(Generator.local(model.model(), state), prompt, options, onText, onToken);
    }
}
