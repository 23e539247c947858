package dev.mycel.model.generate;

import java.util.List;

/**
 * What to generate.
 *
 * @param maxTokens  at most this many new tokens
 * @param sampler    how each token is chosen
 * @param stop       texts that end the generation when produced (they are not part of the output)
 * @param ignoreEos  keep going past end-of-generation tokens (benchmarks, golden tests)
 */
public record GenerationOptions(int maxTokens, SamplerConfig sampler, List<String> stop, boolean ignoreEos) {
    public GenerationOptions {
        if (maxTokens < 0) {
            throw new IllegalArgumentException("max tokens must not be negative, not " + maxTokens);
        }
        stop = List.copyOf(stop);
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("a stop sequence must not be empty");
            }
        }
    }

    public static GenerationOptions greedy(int maxTokens) {
        return new GenerationOptions(maxTokens, SamplerConfig.greedy(), List.of(), false);
    }
}
