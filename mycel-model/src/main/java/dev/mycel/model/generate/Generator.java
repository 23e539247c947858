package dev.mycel.model.generate;

import dev.mycel.model.llama.InferenceState;
import dev.mycel.model.llama.LlamaModel;
import dev.mycel.model.tokenizer.StreamingDecoder;
import dev.mycel.model.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Generates text: processes a prompt, then samples and feeds back one token at a time,
 * streaming text as it becomes safe to show, until the token limit, the context limit, an
 * end-of-generation token or a stop sequence.
 */
public final class Generator {
    private final LlamaModel model;
    private final Tokenizer tokenizer;

    public Generator(LlamaModel model, Tokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /** Generates from a fresh context as long as the model's trained one. */
    public GenerationResult generate(int[] prompt, GenerationOptions options, Consumer<String> onText) {
        return generate(prompt, model.config().contextLength(), options, onText);
    }

    /**
     * Generates from a fresh context window of {@code window} positions (a window longer than
     * the model was trained for is allowed, but quality beyond it is not to be expected).
     */
    public GenerationResult generate(int[] prompt, int window, GenerationOptions options, Consumer<String> onText) {
        int limit = window;
        if (prompt.length > limit) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens, more than the context of "
                    + limit);
        }
        int positions = (int) Math.min(limit, (long) prompt.length + options.maxTokens());
        InferenceState state = model.newState(Math.max(1, positions));
        return generate(state, prompt, options, onText);
    }

    /**
     * Continues the sequence in {@code state} with {@code prompt} and generates after it. The
     * last generated token is not processed: a caller that continues the conversation passes
     * it at the front of the next prompt.
     */
    public GenerationResult generate(InferenceState state, int[] prompt, GenerationOptions options,
                                     Consumer<String> onText) {
        return generate(local(model, state), prompt, options, onText);
    }

    /** A sequence run by this process's model in {@code state}. */
    public static Sequence local(LlamaModel model, InferenceState state) {
        return new Sequence() {
            @Override
            public int position() {
                return state.position();
            }

            @Override
            public int capacity() {
                return state.cache().maxPositions();
            }

            @Override
            public float[] forward(int[] tokens, int off, int n) {
                return model.forward(state, tokens, off, n);
            }

            @Override
            public void rewind(int position) {
                state.rewind(position);
            }
        };
    }

    /** Continues any sequence (local or spread over peers) with {@code prompt} and generates after it. */
    public GenerationResult generate(Sequence seq, int[] prompt, GenerationOptions options, Consumer<String> onText) {
        return generate(seq, prompt, options, onText, (token, logits) -> { });
    }

    /** Sees each sampled token with the logits it was drawn from, before its text is passed on. */
    @FunctionalInterface
    public interface TokenObserver {
        /**
         * @param token  the token just sampled
         * @param logits the model's raw logits the sampler drew it from (before penalties and
         *               temperature); valid only during the call, as the next step may reuse the array
         */
        void sampled(int token, float[] logits);
    }

    /**
     * Like {@link #generate(Sequence, int[], GenerationOptions, Consumer)}, and shows every sampled
     * token with its logits to {@code onToken} (for log-probabilities, say).
     */
    public GenerationResult generate(Sequence seq, int[] prompt, GenerationOptions options, Consumer<String> onText,
                                     TokenObserver onToken) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty: give at least one token (for example BOS)");
        }
        int room = seq.capacity() - seq.position();
        if (prompt.length > room) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens but only " + room
                    + " positions are left in the context");
        }
        Sampler sampler = new Sampler(options.sampler());
        for (int t : prompt) {
            sampler.accept(t);
        }
        StreamingDecoder decoder = new StreamingDecoder(tokenizer);
        StopMatcher text = new StopMatcher(options.stop());
        long t0 = System.nanoTime();
        float[] logits = seq.forward(prompt, 0, prompt.length);
        long t1 = System.nanoTime();
        int[] generated = new int[Math.min(options.maxTokens(), 1 << 20)];
        int count = 0;
        FinishReason reason = FinishReason.LENGTH;
        String lastHash = null;
        int[] one = new int[1];
        while (count < options.maxTokens()) {
            int token = sampler.sample(logits);
            onToken.sampled(token, logits);
            lastHash = LogitsHash.sha256(logits);
            generated[count++] = token;
            sampler.accept(token);
            if (!options.ignoreEos() && tokenizer.isEndOfGeneration(token)) {
                reason = FinishReason.STOP;
                break;
            }
            String piece = text.add(decoder.next(token));
            if (!piece.isEmpty()) {
                onText.accept(piece);
            }
            if (text.stopped()) {
                reason = FinishReason.STOP;
                break;
            }
            if (count == options.maxTokens() || seq.position() >= seq.capacity()) {
                break;
            }
            one[0] = token;
            logits = seq.forward(one, 0, 1);
        }
        String rest = text.add(decoder.flush()) + text.finish();
        if (!rest.isEmpty()) {
            onText.accept(rest);
        }
        long t2 = System.nanoTime();
        if (lastHash == null) {
            lastHash = LogitsHash.sha256(logits);
        }
        return new GenerationResult(prompt.clone(), Arrays.copyOf(generated, count), text.text(), lastHash, reason,
                t1 - t0, t2 - t1);
    }
}
