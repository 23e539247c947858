package dev.mycel.train.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.tensor.Lanes;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.autograd.Losses;
import dev.mycel.train.autograd.Tape;
import dev.mycel.train.autograd.Tensor;
import dev.mycel.train.nn.CanonicalWeights;
import dev.mycel.train.nn.Parameter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The invariant verifiers rely on: the same TinyLlama training steps give the same weight bits
 * on any number of threads, and (this class is rerun with narrower vectors and without AVX, see
 * the module's pom) at any vector width: the hash after the steps is pinned.
 */
class TinyLlamaDeterminismTest {
    /** SHA-256 of the canonical weights after {@link #train}'s steps, pinned. */
    static final String GOLDEN = "397d10888e3c1899e81a85af02f0df188245cb5807c818bf9f0997698ac42e80";

    private static final TinyLlamaConfig CONFIG = new TinyLlamaConfig(29, 24, 2, 4, 2, 40, 16);
    private static final int BATCH = 2;
    private static final int SEQ = 10;
    private static final int STEPS = 3;
    private static final float LR = 0.5f;

    @Test
    void trainingStepsGiveTheSameBitsOnOneTwoAndThreeThreads() {
        String initial = CanonicalWeights.sha256(new TinyLlama(CONFIG, 42).parameters());
        String one = train(1);
        assertNotEquals(initial, one, "the steps changed the weights");
        assertEquals(one, train(2), "2 threads");
        assertEquals(one, train(3), "3 threads");
        assertEquals(GOLDEN, one, "the pinned hash");
    }

    /** The JVM flags of the module's vector-width reruns really narrowed the vectors. */
    @Test
    void vectorWidthIsWhatTheRunAskedFor() {
        String max = System.getProperty("mycel.test.maxVectorWidth");
        if (max != null) {
            assertTrue(Lanes.WIDTH <= Integer.parseInt(max),
                    "this run should use at most " + max + " float lanes, not " + Lanes.WIDTH);
        }
    }

    /** {@link #STEPS} steps of plain SGD (w −= lr·g) on next-token prediction over seeded tokens. */
    static String train(int threads) {
        TinyLlama model = new TinyLlama(CONFIG, 42);
        SplittableRandom data = new SplittableRandom(2024);
        try (ThreadPool pool = new ThreadPool(threads)) {
            for (int step = 0; step < STEPS; step++) {
                int[] window = data.ints(BATCH * (SEQ + 1), 0, CONFIG.vocab()).toArray();
                int[] tokens = new int[BATCH * SEQ];
                int[] targets = new int[BATCH * SEQ];
                for (int b = 0; b < BATCH; b++) {
                    System.arraycopy(window, b * (SEQ + 1), tokens, b * SEQ, SEQ);
                    System.arraycopy(window, b * (SEQ + 1) + 1, targets, b * SEQ, SEQ);
                }
                for (Parameter p : model.parameters()) {
                    p.value().zeroGrad();
                }
                Tape tape = new Tape(pool, true, step);
                Tensor loss = Losses.softmaxCrossEntropy(tape, model.forward(tape, tokens, BATCH, SEQ), targets);
                tape.backward(loss);
                for (Parameter p : model.parameters()) {
                    float[] w = p.data();
                    float[] g = p.grad();
                    for (int i = 0; i < w.length; i++) {
                        w[i] -= LR * g[i];
                    }
                }
            }
        }
        return CanonicalWeights.sha256(model.parameters());
    }
}
