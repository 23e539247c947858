package dev.mycel.train.optim;

import static dev.mycel.train.optim.SgdTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mycel.train.autograd.Tensor;
import dev.mycel.train.nn.Parameter;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientsTest {
    static List<Parameter> threeFour() {
        Parameter a = new Parameter("a", Tensor.trainable(new float[1], 1));
        Parameter b = new Parameter("b", Tensor.trainable(new float[1], 1));
        a.grad()[0] = 3;
        b.grad()[0] = -4;
        return List.of(a, b);
    }

    @Test
    void globalNormIsTheDoubleSumOfSquaresInParameterThenElementOrder() {
        assertEquals(5.0, Gradients.globalNorm(threeFour()), 0.0);
        List<Parameter> params = Fixtures.params();
        Fixtures.setGrads(params, 3);
        double sum = 0;
        for (Parameter p : params) {
            for (float g : p.grad()) {
                sum += (double) g * g;
            }
        }
        assertEquals(Math.sqrt(sum), Gradients.globalNorm(params), 0.0);
    }

    @Test
    void clipScalesEveryGradientByMaxNormOverNormWhenAbove() {
        List<Parameter> params = threeFour();
        assertEquals(5.0, Gradients.clipByGlobalNorm(params, 1.0), 0.0, "returns the norm before clipping");
        float scale = (float) (1.0 / (5.0 + 1e-6));
        assertEquals(Float.floatToRawIntBits(3f * scale), Float.floatToRawIntBits(params.get(0).grad()[0]));
        assertEquals(Float.floatToRawIntBits(-4f * scale), Float.floatToRawIntBits(params.get(1).grad()[0]));
        assertEquals(1.0, Gradients.globalNorm(params), 1e-6);
    }

    @Test
    void clipLeavesGradientsAloneWhenTheNormIsBelow() {
        List<Parameter> params = threeFour();
        assertEquals(5.0, Gradients.clipByGlobalNorm(params, 10.0), 0.0);
        assertEquals(3f, params.get(0).grad()[0]);
        assertEquals(-4f, params.get(1).grad()[0]);
    }

    @Test
    void clipRefusesANonFiniteGradientBeforeScalingAnything() {
        List<Parameter> params = threeFour();
        Parameter c = new Parameter("c", Tensor.trainable(new float[3], 3));
        c.grad()[1] = Float.POSITIVE_INFINITY;
        List<Parameter> all = List.of(params.get(0), params.get(1), c);
        NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class,
                () -> Gradients.clipByGlobalNorm(all, 1.0));
        assertEquals("c", e.parameterName());
        assertEquals(1, e.index());
        assertEquals(3f, params.get(0).grad()[0]);
        assertMessage(() -> Gradients.clipByGlobalNorm(params, 0), "largest norm");
        assertMessage(() -> Gradients.clipByGlobalNorm(params, Double.NaN), "largest norm");
    }

    @Test
    void parametersWithoutGradientAreLeftOutAndNotAllocated() {
        Parameter none = new Parameter("none", Tensor.trainable(new float[4], 4));
        List<Parameter> params = List.of(threeFour().get(0), none);
        assertEquals(3.0, Gradients.globalNorm(params), 0.0);
        Gradients.clipByGlobalNorm(params, 1.0);
        Gradients.averageMicroBatches(params, 3);
        Gradients.requireFinite(params);
        assertNull(none.value().grad());
    }

    @Test
    void requireFiniteNamesTheParameterElementAndValue() {
        List<Parameter> params = Fixtures.params();
        Fixtures.setGrads(params, 0);
        Gradients.requireFinite(params);
        params.get(0).grad()[7] = Float.NaN;
        NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class,
                () -> Gradients.requireFinite(params));
        assertEquals("the gradient of 'a' holds NaN at element 7", e.getMessage());
        assertEquals(7, e.index());
        assertEquals(Float.NaN, e.value());
    }

    @Test
    void accumulatingTwoMicroBatchesGivesTheirSumOverTwo() {
        LeastSquares problem = new LeastSquares();
        problem.addGradients(new int[] {0, 1, 2, 3});
        float[] gw1 = problem.weight.grad().clone();
        problem.weight.value().zeroGrad();
        problem.bias.value().zeroGrad();
        problem.addGradients(new int[] {4, 5, 6, 7});
        float[] gw2 = problem.weight.grad().clone();

        problem.weight.value().zeroGrad();
        problem.bias.value().zeroGrad();
        problem.addGradients(new int[] {0, 1, 2, 3});
        problem.addGradients(new int[] {4, 5, 6, 7});
        Gradients.averageMicroBatches(problem.parameters(), 2);
        float[] expected = new float[gw1.length];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (gw1[i] + gw2[i]) / 2f;
        }
        assertArrayEquals(Fixtures.bits(expected), Fixtures.bits(problem.weight.grad()), "bit for bit");

        float[] accumulated = problem.weight.grad().clone();
        problem.weight.value().zeroGrad();
        problem.bias.value().zeroGrad();
        problem.addGradients(new int[] {0, 1, 2, 3, 4, 5, 6, 7});
        assertArrayEquals(problem.weight.grad(), accumulated, 1e-5f, "the whole batch's gradient, up to rounding");
    }

    @Test
    void accumulatingIdenticalMicroBatchesGivesTheSingleBatchExactly() {
        LeastSquares problem = new LeastSquares();
        problem.addGradients(new int[] {1, 3, 5});
        float[] once = problem.weight.grad().clone();
        problem.addGradients(new int[] {1, 3, 5});
        problem.addGradients(new int[] {1, 3, 5});
        problem.addGradients(new int[] {1, 3, 5});
        Gradients.averageMicroBatches(problem.parameters(), 4);
        assertArrayEquals(Fixtures.bits(once), Fixtures.bits(problem.weight.grad()));
    }

    @Test
    void averagingDividesRatherThanMultipliesByTheReciprocal() {
        Parameter p = new Parameter("p", Tensor.trainable(new float[1], 1));
        // 3 * (1/3f) rounds to 1.0000001f; 3 / 3 is exactly 1: find a value where they differ.
        float v = 0.1f;
        while (v * (1f / 3f) == v / 3f) {
            v = Math.nextUp(v);
        }
        p.grad()[0] = v;
        Gradients.averageMicroBatches(List.of(p), 3);
        assertEquals(v / 3f, p.grad()[0]);
        assertNotEquals(v * (1f / 3f), p.grad()[0]);
    }

    @Test
    void refusesAMicroBatchCountBelowOne() {
        assertMessage(() -> Gradients.averageMicroBatches(Fixtures.params(), 0), "micro-batch");
        assertMessage(() -> Gradients.averageMicroBatches(Fixtures.params(), (1 << 24) + 1), "micro-batch");
    }
}
