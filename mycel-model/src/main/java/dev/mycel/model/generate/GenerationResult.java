package dev.mycel.model.generate;

/**
 * The outcome of a generation.
 *
 * @param promptTokens   the prompt's token ids as processed
 * @param tokens         generated token ids (including an end-of-generation token if one ended it)
 * @param text           generated text, without a matched stop sequence
 * @param logitsSha256   SHA-256 (hex) of the float32 little-endian logits of the last position
 *                       processed: the fingerprint peers compare
 * @param finishReason   why it ended
 * @param promptNanos    time spent on the prompt
 * @param generateNanos  time spent generating
 */
public record GenerationResult(int[] promptTokens, int[] tokens, String text, String logitsSha256,
                               FinishReason finishReason, long promptNanos, long generateNanos) {

    /** Generated tokens per second. */
    public double tokensPerSecond() {
        return generateNanos == 0 ? 0 : tokens.length / (generateNanos / 1e9);
    }

    /** Prompt tokens per second. */
    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens.length / (promptNanos / 1e9);
    }
}
