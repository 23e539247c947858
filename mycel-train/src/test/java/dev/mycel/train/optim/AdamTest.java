package dev.mycel.train.optim;

import static dev.mycel.train.optim.SgdTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.train.autograd.Tensor;
import dev.mycel.train.nn.CanonicalWeights;
import dev.mycel.train.nn.Parameter;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Adam and AdamW. */
class AdamTest {
    static Stream<Arguments> cases() {
        Adam.Options d = Adam.Options.DEFAULTS;
        return Stream.of(
                Arguments.of(false, d),
                Arguments.of(false, d.withWeightDecay(0.1)),
                Arguments.of(false, d.withBetas(0.8, 0.95).withEps(0.1)),
                Arguments.of(true, AdamW.DEFAULTS),
                Arguments.of(true, AdamW.DEFAULTS.withWeightDecay(0.5).withBetas(0.5, 0.9)),
                Arguments.of(true, AdamW.DEFAULTS.withWeightDecay(0)));
    }

    /** Adam's and AdamW's algorithms as PyTorch documents them (bias-corrected moments), in double. */
    static void referenceStep(double[][] w, double[][] m, double[][] v, int t, Adam.Options o, boolean decoupled,
            double lr) {
        int step = t + 1;
        for (int p = 0; p < w.length; p++) {
            for (int i = 0; i < w[p].length; i++) {
                double g = Fixtures.grad(p, t, i);
                if (decoupled) {
                    w[p][i] -= lr * o.weightDecay() * w[p][i];
                } else if (o.weightDecay() != 0) {
                    g += o.weightDecay() * w[p][i];
                }
                m[p][i] = o.beta1() * m[p][i] + (1 - o.beta1()) * g;
                v[p][i] = o.beta2() * v[p][i] + (1 - o.beta2()) * g * g;
                double mHat = m[p][i] / (1 - StrictMath.pow(o.beta1(), step));
                double vHat = v[p][i] / (1 - StrictMath.pow(o.beta2(), step));
                w[p][i] -= lr * mHat / (Math.sqrt(vHat) + o.eps());
            }
        }
    }

    static Optimizer make(boolean decoupled, List<Parameter> params, Adam.Options o) {
        return decoupled ? new AdamW(params, o) : new Adam(params, o);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void followsPyTorchsDocumentedAlgorithm(boolean decoupled, Adam.Options o) {
        List<Parameter> params = Fixtures.params();
        double[][] ref = Fixtures.toDouble(params);
        double[][] m = {new double[10], new double[3]};
        double[][] v = {new double[10], new double[3]};
        Optimizer opt = make(decoupled, params, o);
        for (int t = 0; t < 8; t++) {
            double lr = 0.01 * (t + 1);
            Fixtures.setGrads(params, t);
            opt.step(lr);
            referenceStep(ref, m, v, t, o, decoupled, lr);
        }
        Fixtures.assertClose(ref, params, 2e-6, opt.kind() + " " + o);
    }

    @Test
    void epsIsAddedAfterTheSquareRoot() {
        // One step from zero moments: m = (1-b1) g, v = (1-b2) g^2, so sqrt(v hat) = |g| and the
        // update is lr * g / (|g| + eps); with eps inside the root it would be lr * g / sqrt(g^2 + eps).
        Parameter p = new Parameter("w", Tensor.trainable(new float[] {0f}, 1));
        p.grad()[0] = 0.5f;
        new Adam(List.of(p), Adam.Options.DEFAULTS.withEps(0.5)).step(1.0);
        assertEquals(-0.5, p.data()[0], 1e-6);
    }

    @Test
    void adamWShrinksWeightsApartFromTheGradientWhileAdamAddsDecayToIt() {
        // A zero gradient: AdamW multiplies by (1 - lr * wd) and the Adam step is 0; Adam's L2
        // term turns w into a gradient and moves w by about lr.
        float w0 = 0.75f;
        Parameter pw = new Parameter("w", Tensor.trainable(new float[] {w0}, 1));
        pw.grad();
        new AdamW(List.of(pw), AdamW.DEFAULTS.withWeightDecay(0.1)).step(0.01);
        assertEquals(Float.floatToRawIntBits(w0 * (float) (1 - 0.01 * 0.1)), Float.floatToRawIntBits(pw.data()[0]));

        Parameter pa = new Parameter("w", Tensor.trainable(new float[] {w0}, 1));
        pa.grad();
        new Adam(List.of(pa), Adam.Options.DEFAULTS.withWeightDecay(0.1)).step(0.01);
        assertEquals(w0 - 0.01, pa.data()[0], 1e-6);
    }

    @Test
    void aParameterFirstUpdatedLaterUsesItsOwnStepForBiasCorrection() {
        // "b" gets no gradient for two steps; its first update must be Adam's first step, as in a
        // fresh optimiser, exactly as PyTorch keeps a step count per parameter.
        List<Parameter> params = Fixtures.params();
        Adam adam = new Adam(params);
        params.get(0).grad()[0] = 1f;
        adam.step(0.01);
        adam.step(0.01);
        Fixtures.setGrads(params, 5);
        Parameter lone = new Parameter("b", Tensor.trainable(Fixtures.params().get(1).data(), 3));
        System.arraycopy(params.get(1).grad(), 0, lone.grad(), 0, 3);
        adam.step(0.01);
        new Adam(List.of(lone)).step(0.01);
        assertArrayEquals(Fixtures.bits(lone.data()), Fixtures.bits(params.get(1).data()));
        assertEquals(3, adam.state().parameters().get(0).step());
        assertEquals(1, adam.state().parameters().get(1).step());
    }

    @Test
    void sameInputsGiveTheSameBits() {
        for (Function<List<Parameter>, Optimizer> make : List.<Function<List<Parameter>, Optimizer>>of(
                Adam::new, AdamW::new)) {
            String[] hashes = new String[2];
            OptimizerState[] states = new OptimizerState[2];
            for (int run = 0; run < 2; run++) {
                LeastSquares problem = new LeastSquares();
                Optimizer opt = make.apply(problem.parameters());
                problem.train(opt, LrSchedule.warmupCosine(0.05, 0.005, 3, 20), 25);
                hashes[run] = CanonicalWeights.sha256(problem.parameters());
                states[run] = opt.state();
            }
            assertEquals(hashes[0], hashes[1]);
            assertEquals(states[0], states[1]);
        }
    }

    @Test
    void fixedRunsGivePinnedBits() {
        LeastSquares problem = new LeastSquares();
        problem.train(new Adam(problem.parameters(), Adam.Options.DEFAULTS.withWeightDecay(1e-3)),
                LrSchedule.warmupCosine(0.05, 0.005, 3, 20), 25);
        assertEquals(GoldenHashes.ADAM, CanonicalWeights.sha256(problem.parameters()));

        problem = new LeastSquares();
        problem.train(new AdamW(problem.parameters()), LrSchedule.warmupCosine(0.05, 0.005, 3, 20), 25);
        assertEquals(GoldenHashes.ADAMW, CanonicalWeights.sha256(problem.parameters()));
    }

    /**
     * The first updates run in the interpreter, the later ones in code the JIT compiled (and may
     * have vectorised): the bits must not change.
     */
    @Test
    void compiledCodeGivesTheInterpretersBits() {
        float[] w0 = new float[4096];
        float[] g0 = new float[4096];
        for (int i = 0; i < w0.length; i++) {
            w0[i] = LeastSquares.value(i);
            g0[i] = LeastSquares.value(1 << 20 | i) * 1e-3f;
        }
        String first = null;
        for (int run = 0; run < 400; run++) {
            Parameter p = new Parameter("w", Tensor.trainable(w0.clone(), w0.length));
            System.arraycopy(g0, 0, p.grad(), 0, g0.length);
            AdamW opt = new AdamW(List.of(p));
            opt.step(1e-3);
            opt.step(2e-3);
            String hash = CanonicalWeights.sha256(List.of(p));
            if (first == null) {
                first = hash;
            }
            assertEquals(first, hash, "run " + run);
        }
    }

    @Test
    void trainsTheLeastSquaresProblem() {
        LeastSquares problem = new LeastSquares();
        double before = problem.loss();
        problem.train(new AdamW(problem.parameters()), LrSchedule.constant(0.05), 100);
        assertTrue(problem.loss() < before / 2, problem.loss() + " vs " + before);
    }

    @Test
    void adamAndAdamWDifferOnlyThroughWeightDecay() {
        List<Parameter> a = Fixtures.params();
        List<Parameter> b = Fixtures.params();
        Adam adam = new Adam(a);
        AdamW adamw = new AdamW(b, AdamW.DEFAULTS.withWeightDecay(0));
        for (int t = 0; t < 4; t++) {
            Fixtures.setGrads(a, t);
            Fixtures.setGrads(b, t);
            adam.step(0.01);
            adamw.step(0.01);
        }
        assertEquals(CanonicalWeights.sha256(a), CanonicalWeights.sha256(b));
        AdamW decayed = new AdamW(b);
        Fixtures.setGrads(b, 9);
        decayed.step(0.01);
        assertNotEquals(CanonicalWeights.sha256(a), CanonicalWeights.sha256(b));
    }

    @Test
    void defaultsAreTorchs() {
        assertEquals(new Adam.Options(0.9, 0.999, 1e-8, 0), Adam.Options.DEFAULTS);
        assertEquals(new Adam.Options(0.9, 0.999, 1e-8, 0.01), AdamW.DEFAULTS);
        assertEquals(List.of(Adam.EXP_AVG, Adam.EXP_AVG_SQ), new Adam(Fixtures.params()).slotNames());
        assertEquals("adamw", new AdamW(Fixtures.params()).kind());
    }

    @Test
    void refusesBadOptions() {
        Adam.Options d = Adam.Options.DEFAULTS;
        assertMessage(() -> d.withBetas(1.0, 0.999), "beta1");
        assertMessage(() -> d.withBetas(0.9, -0.1), "beta2");
        assertMessage(() -> d.withBetas(Double.NaN, 0.999), "beta1");
        assertMessage(() -> d.withEps(-1e-8), "eps");
        assertMessage(() -> d.withWeightDecay(-0.01), "weight decay");
        assertMessage(() -> d.withWeightDecay(Double.NaN), "weight decay");
        assertMessage(() -> new AdamW(Fixtures.params()).step(-1e-3), "learning rate");
    }
}
