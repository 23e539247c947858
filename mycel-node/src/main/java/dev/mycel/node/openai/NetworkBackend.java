package dev.mycel.node.openai;

import dev.mycel.inference.InferenceClient;
import dev.mycel.inference.client.RemoteSequence;
import dev.mycel.inference.client.TaintedHistoryException;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.model.generate.Generator;
import dev.mycel.model.tokenizer.Tokenizer;
import java.util.function.Consumer;

/**
 * A model whose blocks run on servers in the network: each request is a routed sequence of its
 * own, so several requests proceed at once and keep the servers of a route busy together.
 */
public final class NetworkBackend implements ModelBackend {
    private final String id;
    private final InferenceClient client;
    private final RemoteSequence.Options options;
    private final Generator generator;
    private final int sessionPositions;

    /**
     * @param sessionPositions the longest session the block servers accept: a request's context
     *                         is reserved on them whole when it starts, so a completion without
     *                         max_tokens, which may run to the context's end, asks for
     *                         {@code min(model's context, sessionPositions)} positions
     */
    public NetworkBackend(String id, InferenceClient client, RemoteSequence.Options options, int sessionPositions) {
        if (sessionPositions < 1) {
            throw new IllegalArgumentException("the session length must be positive, not " + sessionPositions);
        }
        this.id = id;
        this.client = client;
        this.options = options;
        this.generator = new Generator(client.localModel(), client.tokenizer());
        this.sessionPositions = sessionPositions;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Tokenizer tokenizer() {
        return client.tokenizer();
    }

    @Override
    public int contextLength() {
        return Math.min(client.localModel().config().contextLength(), sessionPositions);
    }

    @Override
    public GenerationResult generate(int[] prompt, GenerationOptions o, Consumer<String> onText,
                                     Generator.TokenObserver onToken) {
        int capacity = (int) Math.min(contextLength(), (long) prompt.length + o.maxTokens());
        for (int attempt = 0; ; attempt++) {
            try (RemoteSequence seq = client.sequence(Math.max(1, capacity), options)) {
                return generator.generate(seq, prompt, o, onText, onToken);
            } catch (TaintedHistoryException e) {
                // A banned server's wrong answers were used: start again without it (once).
                if (attempt > 0) {
                    throw e;
                }
            }
        }
    }
}
