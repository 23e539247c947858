package dev.mycel.model.generate;

/**
 * How the next token is chosen from the logits, applied in llama.cpp's default order:
 * repetition penalty, top-k, top-p, min-p, temperature, then a draw.
 *
 * @param temperature   0 (or less) means greedy: the highest logit, lowest id on ties
 * @param topK          keep the k most likely tokens; 0 keeps all
 * @param topP          keep the smallest set whose probability reaches p; 1 keeps all
 * @param minP          drop tokens less likely than minP times the most likely; 0 keeps all
 * @param repeatPenalty divide positive (multiply negative) logits of recent tokens; 1 = off
 * @param repeatLastN   how many recent tokens the penalty looks at
 * @param seed          seed of the random draw: equal seeds give equal choices everywhere
 */
public record SamplerConfig(float temperature, int topK, float topP, float minP, float repeatPenalty,
                            int repeatLastN, long seed) {
    public SamplerConfig {
        if (!(temperature >= 0) || temperature > 100) {
            throw new IllegalArgumentException("temperature must be between 0 and 100, not " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be 0 (off) or positive, not " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], not " + topP);
        }
        if (!(minP >= 0 && minP < 1)) {
            throw new IllegalArgumentException("min-p must be in [0, 1), not " + minP);
        }
        if (!(repeatPenalty > 0) || repeatPenalty > 10) {
            throw new IllegalArgumentException("repetition penalty must be in (0, 10], not " + repeatPenalty);
        }
        if (repeatLastN < 0) {
            throw new IllegalArgumentException("repeat-last-n must not be negative, not " + repeatLastN);
        }
    }

    /** Always the most likely token. */
    public static SamplerConfig greedy() {
        return new SamplerConfig(0f, 0, 1f, 0f, 1f, 64, 0);
    }

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05. */
    public static SamplerConfig defaults(long seed) {
        return new SamplerConfig(0.8f, 40, 0.95f, 0.05f, 1f, 64, seed);
    }

    public boolean isGreedy() {
        return temperature <= 0f;
    }

    public SamplerConfig withTemperature(float t) {
        return new SamplerConfig(t, topK, topP, minP, repeatPenalty, repeatLastN, seed);
    }

    public SamplerConfig withSeed(long s) {
        return new SamplerConfig(temperature, topK, topP, minP, repeatPenalty, repeatLastN, s);
    }
}
