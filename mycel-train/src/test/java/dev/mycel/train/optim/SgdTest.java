package dev.mycel.train.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.train.autograd.Tensor;
import dev.mycel.train.nn.CanonicalWeights;
import dev.mycel.train.nn.Parameter;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SgdTest {
    static Stream<Sgd.Options> options() {
        return Stream.of(
                Sgd.Options.DEFAULTS,
                Sgd.Options.DEFAULTS.withMomentum(0.9),
                Sgd.Options.DEFAULTS.withMomentum(0.9).withDampening(0.3),
                Sgd.Options.DEFAULTS.withMomentum(0.9).withNesterov(true),
                Sgd.Options.DEFAULTS.withWeightDecay(0.05),
                Sgd.Options.DEFAULTS.withMomentum(0.8).withNesterov(true).withWeightDecay(0.01));
    }

    /** torch.optim.SGD's documented algorithm, in double. */
    static void referenceStep(double[][] w, double[][] buf, List<Parameter> params, int t, Sgd.Options o, double lr) {
        for (int p = 0; p < w.length; p++) {
            for (int i = 0; i < w[p].length; i++) {
                double g = Fixtures.grad(p, t, i);
                if (o.weightDecay() != 0) {
                    g += o.weightDecay() * w[p][i];
                }
                if (o.momentum() != 0) {
                    buf[p][i] = t == 0 ? g : o.momentum() * buf[p][i] + (1 - o.dampening()) * g;
                    g = o.nesterov() ? g + o.momentum() * buf[p][i] : buf[p][i];
                }
                w[p][i] -= lr * g;
            }
        }
    }

    @ParameterizedTest
    @MethodSource("options")
    void followsPyTorchsDocumentedAlgorithm(Sgd.Options o) {
        List<Parameter> params = Fixtures.params();
        double[][] ref = Fixtures.toDouble(params);
        double[][] buf = {new double[10], new double[3]};
        Sgd sgd = new Sgd(params, o);
        for (int t = 0; t < 6; t++) {
            double lr = 0.05 + 0.01 * t;
            Fixtures.setGrads(params, t);
            sgd.step(lr);
            referenceStep(ref, buf, params, t, o, lr);
        }
        Fixtures.assertClose(ref, params, 1e-6, o.toString());
        assertEquals(6, sgd.stepCount());
    }

    @Test
    void plainStepIsWeightMinusRateTimesGradientInFloat() {
        List<Parameter> params = Fixtures.params();
        float[] before = params.get(0).data().clone();
        Fixtures.setGrads(params, 0);
        new Sgd(params).step(0.1);
        for (int i = 0; i < before.length; i++) {
            float expected = before[i] - 0.1f * Fixtures.grad(0, 0, i);
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(params.get(0).data()[i]));
        }
    }

    @Test
    void firstMomentumStepCopiesTheGradientIgnoringDampening() {
        List<Parameter> params = Fixtures.params();
        Sgd sgd = new Sgd(params, Sgd.Options.DEFAULTS.withMomentum(0.9).withDampening(0.5));
        Fixtures.setGrads(params, 0);
        sgd.step(0.1);
        float[] buf = sgd.state().parameters().get(0).slots().get(Sgd.MOMENTUM_BUFFER);
        assertArrayEquals(Fixtures.bits(params.get(0).grad()), Fixtures.bits(buf));
    }

    @Test
    void keepsNoMomentumBufferWithoutMomentum() {
        Sgd sgd = new Sgd(Fixtures.params());
        assertEquals(List.of(), sgd.slotNames());
        assertTrue(sgd.state().parameters().get(0).slots().isEmpty());
        assertEquals(List.of(Sgd.MOMENTUM_BUFFER), new Sgd(Fixtures.params(), Sgd.Options.DEFAULTS.withMomentum(0.5)).slotNames());
    }

    @Test
    void sameInputsGiveTheSameBits() {
        String[] hashes = new String[2];
        for (int run = 0; run < 2; run++) {
            LeastSquares problem = new LeastSquares();
            Sgd sgd = new Sgd(problem.parameters(),
                    Sgd.Options.DEFAULTS.withMomentum(0.9).withNesterov(true).withWeightDecay(1e-3));
            problem.train(sgd, LrSchedule.warmupCosine(0.05, 0.005, 3, 20), 25);
            hashes[run] = CanonicalWeights.sha256(problem.parameters());
        }
        assertEquals(hashes[0], hashes[1]);
    }

    @Test
    void trainsTheLeastSquaresProblem() {
        LeastSquares problem = new LeastSquares();
        double before = problem.loss();
        problem.train(new Sgd(problem.parameters(), Sgd.Options.DEFAULTS.withMomentum(0.9)), LrSchedule.constant(0.05), 60);
        assertTrue(problem.loss() < before / 2, problem.loss() + " vs " + before);
    }

    /**
     * The bits of a fixed run, pinned: Java's float arithmetic is the same on every JVM and CPU,
     * so this hash changes only when the formula does.
     */
    @Test
    void fixedRunGivesPinnedBits() {
        LeastSquares problem = new LeastSquares();
        Sgd sgd = new Sgd(problem.parameters(), Sgd.Options.DEFAULTS.withMomentum(0.9).withNesterov(true).withWeightDecay(1e-3));
        problem.train(sgd, LrSchedule.warmupCosine(0.05, 0.005, 3, 20), 25);
        assertEquals(GoldenHashes.SGD, CanonicalWeights.sha256(problem.parameters()));
    }

    @Test
    void skipsAParameterWithoutGradient() {
        List<Parameter> params = Fixtures.params();
        float[] b = params.get(1).data().clone();
        float[] g = params.get(0).grad();
        g[0] = 1;
        Sgd sgd = new Sgd(params, Sgd.Options.DEFAULTS.withMomentum(0.9));
        sgd.step(0.1);
        assertArrayEquals(Fixtures.bits(b), Fixtures.bits(params.get(1).data()));
        assertNull(params.get(1).value().grad(), "no gradient was allocated");
        assertEquals(1, sgd.state().parameters().get(0).step());
        assertEquals(0, sgd.state().parameters().get(1).step());
        assertEquals(1, sgd.stepCount());
    }

    @Test
    void refusesANonFiniteGradientNamingTheParameterAndChangesNothing() {
        List<Parameter> params = Fixtures.params();
        Fixtures.setGrads(params, 0);
        params.get(1).grad()[2] = Float.NaN;
        float[] a = params.get(0).data().clone();
        Sgd sgd = new Sgd(params, Sgd.Options.DEFAULTS.withMomentum(0.9));
        NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class, () -> sgd.step(0.1));
        assertEquals("b", e.parameterName());
        assertEquals(2, e.index());
        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("NaN"), e.getMessage());
        assertArrayEquals(Fixtures.bits(a), Fixtures.bits(params.get(0).data()), "the step is all or nothing");
        assertEquals(0, sgd.stepCount());
        params.get(1).grad()[2] = Float.NEGATIVE_INFINITY;
        assertEquals("b", assertThrows(NonFiniteGradientException.class, () -> sgd.step(0.1)).parameterName());
    }

    @Test
    void refusesBadOptions() {
        assertMessage(() -> Sgd.Options.DEFAULTS.withNesterov(true), "Nesterov");
        assertMessage(() -> new Sgd.Options(0.9, 0.1, 0, true), "dampening");
        assertMessage(() -> Sgd.Options.DEFAULTS.withMomentum(-0.1), "momentum");
        assertMessage(() -> Sgd.Options.DEFAULTS.withMomentum(Double.NaN), "momentum");
        assertMessage(() -> Sgd.Options.DEFAULTS.withWeightDecay(-1e-4), "weight decay");
        assertMessage(() -> Sgd.Options.DEFAULTS.withWeightDecay(Double.POSITIVE_INFINITY), "weight decay");
        assertMessage(() -> Sgd.Options.DEFAULTS.withDampening(-1), "dampening");
    }

    @Test
    void refusesABadLearningRate() {
        Sgd sgd = new Sgd(Fixtures.params());
        for (double lr : new double[] {-0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertMessage(() -> sgd.step(lr), "learning rate");
        }
        sgd.step(0.0);
        assertEquals(1, sgd.stepCount());
    }

    @Test
    void refusesAnEmptyOrRepeatedParameterList() {
        assertMessage(() -> new Sgd(List.of()), "empty");
        Parameter p = new Parameter("w", Tensor.trainable(new float[2], 2));
        assertMessage(() -> new Sgd(List.of(p, p)), "'w' is listed twice");
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable call, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should mention '" + part + "'");
    }
}
