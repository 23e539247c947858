package dev.mycel.model.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mycel.model.generate.LogitsHash;
import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.testing.TestData;
import dev.mycel.tensor.ThreadPool;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The invariant peers rely on: the same tokens give the same logits bits whatever the thread
 * count and however the sequence is cut into batches.
 */
class DeterminismTest {
    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "q8_0", "q4_0"})
    void logitsAreTheSameBitsForEveryThreadCountAndBatchSplit(String type) {
        Path file = TestData.golden("models/tiny-llama-spm-" + type + ".gguf");
        int[] tokens = new SplittableRandom(7).ints(37, 0, 32000).toArray();
        tokens[0] = 1;
        String reference = null;
        for (int threads : new int[] {1, 2, 3, 8}) {
            for (int batch : new int[] {1, 5, 64}) {
                String hash = run(file, tokens, threads, batch);
                if (reference == null) {
                    reference = hash;
                }
                assertEquals(reference, hash, type + " with " + threads + " threads, batches of " + batch);
            }
        }
    }

    private static String run(Path file, int[] tokens, int threads, int batch) {
        try (GgufFile gguf = GgufFile.open(file); ThreadPool pool = new ThreadPool(threads)) {
            LlamaConfig c = GgufLlamaLoader.config(gguf);
            LlamaModel model = new LlamaModel(c, GgufLlamaLoader.weights(gguf, c, LayerSpan.all(c.layers())), pool);
            InferenceState state = model.newState(tokens.length, batch);
            float[] logits = model.forward(state, tokens);
            return LogitsHash.sha256(logits);
        }
    }
}
