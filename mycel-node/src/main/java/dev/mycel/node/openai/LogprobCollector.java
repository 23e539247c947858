package dev.mycel.node.openai;

import dev.mycel.model.generate.Generator;
import dev.mycel.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Gathers each sampled token's log-probabilities while a completion runs, until the response
 * (or the next streamed chunk) takes them. The end-of-generation token that ends a completion
 * is left out: its text is not part of the answer either.
 */
final class LogprobCollector implements Generator.TokenObserver {
    private final Tokenizer tokenizer;
    private final int top;
    private final List<TokenLogprob> pending = new ArrayList<>();

    LogprobCollector(Tokenizer tokenizer, int top) {
        this.tokenizer = tokenizer;
        this.top = top;
    }

    @Override
    public void sampled(int token, float[] logits) {
        if (!tokenizer.isEndOfGeneration(token)) {
            pending.add(TokenLogprob.of(logits, token, top));
        }
    }

    /** The tokens gathered since the last call. */
    List<TokenLogprob> drain() {
        List<TokenLogprob> out = List.copyOf(pending);
        pending.clear();
        return out;
    }

    /**
     * The entries of the generation that produced {@code generated}: the last ones gathered. A
     * network backend starts a generation again when a banned server's answers turn out to have
     * been used, and the first attempt's tokens must not stay in front of the answer's.
     */
    List<TokenLogprob> drainFor(int[] generated) {
        int n = 0;
        for (int t : generated) {
            if (!tokenizer.isEndOfGeneration(t)) {
                n++;
            }
        }
        List<TokenLogprob> out = List.copyOf(pending.subList(Math.max(0, pending.size() - n), pending.size()));
        pending.clear();
        return out;
    }
}
