package dev.mycel.train.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.autograd.Losses;
import dev.mycel.train.autograd.Tape;
import dev.mycel.train.autograd.Tensor;
import dev.mycel.train.nn.Parameter;
import dev.mycel.train.optim.AdamW;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The model's parameters (names, order, shapes, initialisation) and its loss gradient. */
class TinyLlamaTest {
    private static final ThreadPool POOL = new ThreadPool(2);
    private static final TinyLlamaConfig TINY = new TinyLlamaConfig(11, 8, 2, 2, 1, 12, 6);

    @AfterAll
    static void close() {
        POOL.close();
    }

    @Test
    void parametersHaveLlamaCppsTensorNamesInGgufOrder() {
        TinyLlamaConfig c = new TinyLlamaConfig(50, 16, 2, 4, 2, 24, 8);
        List<Parameter> ps = new TinyLlama(c, 1).parameters();
        List<String> expected = new ArrayList<>(List.of("token_embd.weight"));
        for (int i = 0; i < 2; i++) {
            for (String s : List.of("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate",
                    "ffn_up", "ffn_down")) {
                expected.add("blk." + i + "." + s + ".weight");
            }
        }
        expected.add("output_norm.weight");
        expected.add("output.weight");
        assertEquals(expected, ps.stream().map(Parameter::name).toList());
        assertArrayEquals(new int[] {50, 16}, ps.get(0).value().shape());
        assertArrayEquals(new int[] {16}, ps.get(1).value().shape());
        assertArrayEquals(new int[] {16, 16}, ps.get(2).value().shape()); // q [out, in]
        assertArrayEquals(new int[] {8, 16}, ps.get(3).value().shape()); // k: 2 kv heads of 4
        assertArrayEquals(new int[] {8, 16}, ps.get(4).value().shape());
        assertArrayEquals(new int[] {16, 16}, ps.get(5).value().shape());
        assertArrayEquals(new int[] {24, 16}, ps.get(7).value().shape()); // gate
        assertArrayEquals(new int[] {24, 16}, ps.get(8).value().shape()); // up
        assertArrayEquals(new int[] {16, 24}, ps.get(9).value().shape()); // down
        assertArrayEquals(new int[] {50, 16}, ps.get(ps.size() - 1).value().shape());
        assertEquals(c.parameterCount(), ps.stream().mapToLong(Parameter::size).sum());
    }

    @Test
    void initialisationIsSeededAndScaledLikeNanoGpt() {
        TinyLlamaConfig c = new TinyLlamaConfig(64, 64, 4, 4, 4, 128, 8);
        List<Parameter> a = new TinyLlama(c, 7).parameters();
        List<Parameter> b = new TinyLlama(c, 7).parameters();
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).data(), b.get(i).data(), a.get(i).name());
        }
        for (Parameter p : a) {
            String name = p.name();
            if (name.endsWith("norm.weight")) {
                for (float v : p.data()) {
                    assertEquals(1f, v, name);
                }
                continue;
            }
            double expected = name.endsWith("attn_output.weight") || name.endsWith("ffn_down.weight")
                    ? 0.02 / Math.sqrt(2 * 4) : 0.02;
            assertEquals(expected, std(p.data()), expected * 0.1, name);
        }
    }

    @Test
    void refusesSequencesLongerThanTheContextOrMiscounted() {
        TinyLlama model = new TinyLlama(TINY, 1);
        Tape tape = new Tape(POOL, true, 0);
        assertThrows(IllegalArgumentException.class, () -> model.forward(tape, new int[7], 1, 7));
        assertThrows(IllegalArgumentException.class, () -> model.forward(tape, new int[6], 2, 4));
        assertThrows(IllegalArgumentException.class, () -> model.forward(tape, new int[] {0, 11}, 1, 2));
    }

    /** AdamW learns a deterministic successor rule from its context within a few dozen steps. */
    @Test
    void learnsToPredictTheNextToken() {
        TinyLlama model = new TinyLlama(TINY, 5);
        AdamW opt = new AdamW(model.parameters());
        int batch = 4;
        int seq = TINY.context();
        SplittableRandom rnd = new SplittableRandom(1);
        double first = 0;
        double last = 0;
        for (int step = 0; step < 60; step++) {
            int[] tokens = new int[batch * seq];
            int[] targets = new int[batch * seq];
            for (int b = 0; b < batch; b++) {
                int t = rnd.nextInt(TINY.vocab());
                for (int i = 0; i < seq; i++) {
                    tokens[b * seq + i] = t;
                    t = (t * 3 + 1) % TINY.vocab();
                    targets[b * seq + i] = t;
                }
            }
            opt.zeroGrad();
            Tape tape = new Tape(POOL, true, step);
            Tensor loss = Losses.softmaxCrossEntropy(tape, model.forward(tape, tokens, batch, seq), targets);
            tape.backward(loss);
            opt.step(1e-2);
            if (step == 0) {
                first = loss.item();
            }
            last = loss.item();
        }
        assertTrue(last < 0.25 * first, "loss went from " + first + " to " + last);
    }

    /**
     * The cross-entropy loss's gradient against finite differences, for a few values of every
     * parameter. The weights are first made large (deviation 0.4, norm gains around one) so that
     * attention and the non-linearities are far from their near-linear start.
     */
    @Test
    void lossGradientMatchesFiniteDifferences() {
        TinyLlama model = new TinyLlama(TINY, 3);
        Randomise.weights(model, 0.4f, 5);
        int batch = 2;
        int seq = 5;
        SplittableRandom rnd = new SplittableRandom(9);
        int[] tokens = rnd.ints(batch * seq, 0, TINY.vocab()).toArray();
        int[] targets = rnd.ints(batch * seq, 0, TINY.vocab()).toArray();
        targets[3] = -1;
        Tape tape = new Tape(POOL, true, 0);
        Tensor loss = Losses.softmaxCrossEntropy(tape, model.forward(tape, tokens, batch, seq), targets);
        tape.backward(loss);
        float h = 1e-2f;
        Random pick = new Random(4);
        int checked = 0;
        for (Parameter p : model.parameters()) {
            float[] g = p.grad().clone();
            float[] x = p.data();
            for (int n = 0; n < 4; n++) {
                int i = pick.nextInt(x.length);
                float keep = x[i];
                x[i] = keep + h;
                double plus = loss(model, tokens, targets, batch, seq);
                x[i] = keep - h;
                double minus = loss(model, tokens, targets, batch, seq);
                x[i] = keep;
                double numeric = (plus - minus) / (2 * h);
                assertTrue(Math.abs(numeric - g[i]) <= 1e-3 + 2e-2 * Math.abs(numeric),
                        p.name() + "[" + i + "]: analytic " + g[i] + ", numeric " + numeric);
                checked++;
            }
        }
        assertEquals(4 * model.parameters().size(), checked);
    }

    private static double loss(TinyLlama model, int[] tokens, int[] targets, int batch, int seq) {
        Tape tape = new Tape(POOL, false, 0);
        return Losses.softmaxCrossEntropy(tape, model.forward(tape, tokens, batch, seq), targets).item();
    }

    private static double std(float[] x) {
        double s = 0;
        for (float v : x) {
            s += (double) v * v;
        }
        return Math.sqrt(s / x.length);
    }
}
