package dev.mycel.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.train.autograd.Tensor;
import dev.mycel.train.nn.CanonicalWeights;
import dev.mycel.train.nn.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Exporting and importing optimiser state. */
class OptimizerStateTest {
    static Stream<Function<List<Parameter>, Optimizer>> optimizers() {
        return Stream.of(
                p -> new Sgd(p, Sgd.Options.DEFAULTS.withMomentum(0.9).withNesterov(true).withWeightDecay(1e-3)),
                p -> new Adam(p, Adam.Options.DEFAULTS.withWeightDecay(1e-2)),
                p -> new AdamW(p));
    }

    @ParameterizedTest
    @MethodSource("optimizers")
    void aStateCopiedIntoAFreshOptimiserContinuesWithTheSameBits(Function<List<Parameter>, Optimizer> make) {
        LrSchedule schedule = LrSchedule.warmupCosine(0.05, 0.005, 3, 20);
        LeastSquares straight = new LeastSquares();
        Optimizer a = make.apply(straight.parameters());
        straight.train(a, schedule, 17);

        LeastSquares first = new LeastSquares();
        Optimizer b = make.apply(first.parameters());
        first.train(b, schedule, 6);
        OptimizerState snapshot = b.state();
        LeastSquares second = new LeastSquares();
        System.arraycopy(first.weight.data(), 0, second.weight.data(), 0, first.weight.size());
        System.arraycopy(first.bias.data(), 0, second.bias.data(), 0, first.bias.size());
        Optimizer c = make.apply(second.parameters());
        c.loadState(snapshot);
        assertEquals(6, c.stepCount());
        second.train(c, schedule, 11);

        assertEquals(CanonicalWeights.sha256(straight.parameters()), CanonicalWeights.sha256(second.parameters()));
        assertEquals(a.state(), c.state());
    }

    @Test
    void anExportedStateIsASnapshot() {
        List<Parameter> params = Fixtures.params();
        Adam adam = new Adam(params);
        Fixtures.setGrads(params, 0);
        adam.step(0.01);
        OptimizerState s = adam.state();
        s.parameters().get(0).slots().get(Adam.EXP_AVG)[0] = 42f;
        assertEquals(s, adam.state(), "slots() hands out copies");
        Fixtures.setGrads(params, 1);
        adam.step(0.01);
        assertNotEquals(s, adam.state());
        assertEquals(1, s.step());
    }

    @Test
    void loadingAMismatchedStateIsRefusedAndChangesNothing() {
        List<Parameter> params = Fixtures.params();
        Adam adam = new Adam(params);
        Fixtures.setGrads(params, 0);
        adam.step(0.01);
        OptimizerState before = adam.state();

        assertRefused(adam, new AdamW(Fixtures.params()).state(), "adamw");
        assertRefused(adam, new Adam(List.of(Fixtures.params().get(0))).state(), "covers 1 parameters");
        List<Parameter> renamed = List.of(Fixtures.params().get(0),
                new Parameter("c", Tensor.trainable(new float[3], 3)));
        assertRefused(adam, new Adam(renamed).state(), "'c'");
        List<Parameter> resized = List.of(Fixtures.params().get(0),
                new Parameter("b", Tensor.trainable(new float[4], 4)));
        assertRefused(adam, new Adam(resized).state(), "holds 4 values");

        List<OptimizerState.ParameterState> ps = new ArrayList<>(before.parameters());
        Map<String, float[]> oneSlot = new LinkedHashMap<>(ps.get(1).slots());
        oneSlot.remove(Adam.EXP_AVG_SQ);
        ps.set(1, new OptimizerState.ParameterState("b", 1, oneSlot));
        assertRefused(adam, new OptimizerState("adam", 1, ps), "slots");
        ps = new ArrayList<>(before.parameters());
        ps.set(1, new OptimizerState.ParameterState("b", 5, ps.get(1).slots()));
        assertRefused(adam, new OptimizerState("adam", 1, ps), "updated 5 times");

        assertEquals(before, adam.state());
    }

    @Test
    void stepCountsCannotBeNegative() {
        assertThrows(IllegalArgumentException.class, () -> new OptimizerState("sgd", -1, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new OptimizerState.ParameterState("a", -1, Map.of()));
    }

    static void assertRefused(Optimizer opt, OptimizerState state, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.loadState(state));
        assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should mention '" + part + "'");
    }
}
