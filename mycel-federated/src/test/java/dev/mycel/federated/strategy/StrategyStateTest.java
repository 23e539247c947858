package dev.mycel.federated.strategy;

import static dev.mycel.federated.strategy.Fixtures.assertSameBits;
import static dev.mycel.federated.strategy.Fixtures.update;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A coordinator that checkpoints a strategy's state and restores it resumes with the same bits. */
class StrategyStateTest {
    static Stream<Arguments> stateful() {
        return Stream.of(
                Arguments.of("fedavgm", (Supplier<Strategy>) () -> new FedAvgM(LocalTraining.DEFAULT, 0.9, 0.9)),
                Arguments.of("fedadagrad", (Supplier<Strategy>) FedAdagrad::new),
                Arguments.of("fedadam", (Supplier<Strategy>) FedAdam::new),
                Arguments.of("fedyogi", (Supplier<Strategy>) FedYogi::new));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stateful")
    void restoredStateGivesTheSameNextRound(String name, Supplier<Strategy> make) {
        SplittableRandom random = new SplittableRandom(name.hashCode());
        int dim = 17;
        float[] global = Fixtures.vector(random, dim, 1);
        Strategy original = make.get();
        assertEquals(StrategyState.empty(name), original.state());
        for (int round = 1; round <= 2; round++) {
            global = original.aggregate(round, global, Fixtures.randomUpdates(random, global, 6));
        }
        StrategyState checkpoint = original.state();
        assertEquals(name, checkpoint.strategy());
        assertTrue(!checkpoint.names().isEmpty());

        List<ClientUpdate> round3 = Fixtures.randomUpdates(random, global, 6);
        float[] expected = original.aggregate(3, global, round3);

        Strategy resumed = make.get();
        resumed.restore(checkpoint);
        assertEquals(checkpoint, resumed.state());
        assertSameBits(expected, resumed.aggregate(3, global, round3), name + " after restore");
        assertEquals(original.state(), resumed.state());
        assertNotEquals(original.state(), checkpoint, "round 3 moved the state on");

        // A fresh strategy, without the checkpoint, gives another round 3: the state matters.
        assertFalse(Arrays.equals(expected, make.get().aggregate(3, global, round3)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stateful")
    void aStateIsASnapshot(String name, Supplier<Strategy> make) {
        Strategy s = make.get();
        s.aggregate(1, new float[] {1, 2}, List.of(update("a", 1, 2, 1)));
        StrategyState state = s.state();
        String vector = state.names().first();
        double[] copy = state.vector(vector);
        copy[0] = 12345;
        state.vectors().get(vector)[1] = 12345;
        assertEquals(s.state(), state);
        assertTrue(s.state().vector(vector)[0] != 12345);
    }

    @Test
    void restoringAnotherStrategysStateIsRefused() {
        FedAdam adam = new FedAdam();
        adam.aggregate(1, new float[1], List.of(update("a", 1, 1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FedYogi().restore(adam.state()));
        assertEquals("a state of strategy fedadam cannot be restored into fedyogi", e.getMessage());

        TreeMap<String, double[]> onlyM = new TreeMap<>();
        onlyM.put("m", new double[1]);
        e = assertThrows(IllegalArgumentException.class, () -> new FedAdam().restore(new StrategyState("fedadam", onlyM)));
        assertEquals("fedadam keeps 'm' and 'v' (both or neither), but the state has [m]", e.getMessage());

        TreeMap<String, double[]> other = new TreeMap<>();
        other.put("velocity", new double[1]);
        e = assertThrows(IllegalArgumentException.class, () -> new FedAvg().restore(new StrategyState("fedavg", other)));
        assertEquals("fedavg keeps no server state, but the state has [velocity]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new FedAvgM().restore(new StrategyState("fedavgm", other)));
        assertEquals("fedavgm keeps only 'momentum', but the state has 'velocity'", e.getMessage());
    }

    @Test
    void aStateForAnotherModelSizeIsRefusedAtTheNextRound() {
        TreeMap<String, double[]> momentum = new TreeMap<>();
        momentum.put("momentum", new double[3]);
        FedAvgM s = new FedAvgM(LocalTraining.DEFAULT, 1, 0.9);
        s.restore(new StrategyState("fedavgm", momentum));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.aggregate(1, new float[2], List.of(update("a", 1, 1, 1))));
        assertEquals("fedavgm: the server state's momentum has 3 values, the global model has 2", e.getMessage());
    }

    @Test
    void statelessStrategiesHaveAnEmptyState() {
        for (Strategy s : List.<Strategy>of(new FedAvg(), new FedMedian(), new Krum(LocalTraining.DEFAULT, 0))) {
            s.aggregate(1, new float[1], List.of(update("a", 1, 1), update("b", 1, 2), update("c", 1, 3)));
            assertEquals(StrategyState.empty(s.name()), s.state());
            s.restore(StrategyState.empty(s.name()));
        }
        // FedAvgM without momentum keeps none either.
        FedAvgM plain = new FedAvgM(LocalTraining.DEFAULT, 0.5, 0);
        plain.aggregate(1, new float[1], List.of(update("a", 1, 1)));
        assertEquals(StrategyState.empty("fedavgm"), plain.state());
    }

    @Test
    void statesCompareByBits() {
        TreeMap<String, double[]> a = new TreeMap<>();
        a.put("v", new double[] {0.0, 1.5});
        TreeMap<String, double[]> b = new TreeMap<>();
        b.put("v", new double[] {-0.0, 1.5});
        assertNotEquals(new StrategyState("x", a), new StrategyState("x", b));
        assertEquals(new StrategyState("x", a), new StrategyState("x", new TreeMap<>(a)));
        assertArrayEquals(new double[] {0.0, 1.5}, new StrategyState("x", a).vector("v"));
    }
}
