package dev.mycel.model.bench;

import dev.mycel.model.llama.InferenceState;
import dev.mycel.model.llama.LlamaModel;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Measures prompt processing and generation speed the way llama.cpp's {@code llama-bench}
 * does, so the two can be compared directly:
 * <ul>
 *   <li><b>pp</b>: from an empty context, {@code promptTokens} random tokens in one batch;
 *   <li><b>tg</b>: from an empty context, {@code genTokens} single-token steps, each computing
 *       the logits.
 * </ul>
 * Each test runs once to warm up, then {@code repetitions} times; the result is the mean and
 * standard deviation of tokens per second over the repetitions.
 */
public final class ThroughputBenchmark {
    /** What was measured. Rates are tokens per second. */
    public record Result(int promptTokens, int genTokens, int repetitions, int threads,
                         double promptTps, double promptTpsStd, double genTps, double genTpsStd,
                         long peakRssBytes) {
    }

    private final LlamaModel model;

    public ThroughputBenchmark(LlamaModel model) {
        this.model = model;
    }

    /**
     * Runs both tests. {@code progress} receives a short description of each step as it starts.
     */
    public Result run(int promptTokens, int genTokens, int repetitions, long seed, Consumer<String> progress) {
        if (promptTokens < 0 || genTokens < 0 || promptTokens + genTokens == 0) {
            throw new IllegalArgumentException("nothing to measure: prompt and generation token counts are both 0");
        }
        if (repetitions < 1) {
            throw new IllegalArgumentException("repetitions must be at least 1");
        }
        int vocab = model.config().vocabSize();
        SplittableRandom random = new SplittableRandom(seed);
        int context = Math.max(promptTokens, genTokens) + 1;
        if (context > model.config().contextLength()) {
            throw new IllegalArgumentException("the model's context of " + model.config().contextLength()
                    + " tokens is shorter than the " + (context - 1) + " asked for");
        }
        InferenceState state = model.newState(context, Math.max(1, promptTokens));
        double[] pp = new double[repetitions];
        double[] tg = new double[repetitions];
        if (promptTokens > 0) {
            int[] prompt = random.ints(promptTokens, 0, vocab).toArray();
            for (int r = -1; r < repetitions; r++) {
                progress.accept(r < 0 ? "pp" + promptTokens + " warm-up" : "pp" + promptTokens + " run " + (r + 1) + "/" + repetitions);
                state.rewind(0);
                long t0 = System.nanoTime();
                model.forward(state, prompt);
                long t1 = System.nanoTime();
                if (r >= 0) {
                    pp[r] = promptTokens / ((t1 - t0) / 1e9);
                }
            }
        }
        if (genTokens > 0) {
            int[] one = new int[1];
            for (int r = -1; r < repetitions; r++) {
                progress.accept(r < 0 ? "tg" + genTokens + " warm-up" : "tg" + genTokens + " run " + (r + 1) + "/" + repetitions);
                state.rewind(0);
                one[0] = random.nextInt(vocab);
                long t0 = System.nanoTime();
                for (int i = 0; i < genTokens; i++) {
                    model.forward(state, one);
                    one[0] = random.nextInt(vocab);
                }
                long t1 = System.nanoTime();
                if (r >= 0) {
                    tg[r] = genTokens / ((t1 - t0) / 1e9);
                }
            }
        }
        return new Result(promptTokens, genTokens, repetitions, model.pool().threads(),
                mean(pp), std(pp), mean(tg), std(tg), ProcessMemory.peakResidentBytes().orElse(-1));
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    private static double std(double[] x) {
        if (x.length < 2) {
            return 0;
        }
        double m = mean(x);
        double s = 0;
        for (double v : x) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / (x.length - 1));
    }
}
