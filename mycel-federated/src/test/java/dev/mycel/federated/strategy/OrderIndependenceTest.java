package dev.mycel.federated.strategy;

import static dev.mycel.federated.strategy.Fixtures.assertSameBits;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The order updates arrive in must not change a single bit: every participant receives them in
 * its own order. Stateful strategies are checked over three rounds, each fed its own result.
 */
class OrderIndependenceTest {
    static Stream<Arguments> strategies() {
        LocalTraining local = LocalTraining.DEFAULT;
        return Stream.of(
                Arguments.of("fedavg", (Supplier<Strategy>) FedAvg::new),
                Arguments.of("fedprox", (Supplier<Strategy>) () -> new FedProx(local, 0.01)),
                Arguments.of("fedavgm", (Supplier<Strategy>) () -> new FedAvgM(local, 0.8, 0.9)),
                Arguments.of("fedadagrad", (Supplier<Strategy>) FedAdagrad::new),
                Arguments.of("fedadam", (Supplier<Strategy>) FedAdam::new),
                Arguments.of("fedyogi", (Supplier<Strategy>) FedYogi::new),
                Arguments.of("fedmedian", (Supplier<Strategy>) FedMedian::new),
                Arguments.of("fedtrimmedavg", (Supplier<Strategy>) FedTrimmedAvg::new),
                Arguments.of("krum", (Supplier<Strategy>) () -> new Krum(local, 2)),
                Arguments.of("multikrum", (Supplier<Strategy>) () -> new MultiKrum(local, 2, 4)),
                Arguments.of("bulyan", (Supplier<Strategy>) () -> new Bulyan(local, 2)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("strategies")
    void shuffledInputsGiveTheSameBits(String name, Supplier<Strategy> make) {
        SplittableRandom random = new SplittableRandom(name.hashCode());
        for (int c = 0; c < 30; c++) {
            Strategy inOrder = make.get();
            Strategy shuffled = make.get();
            int dim = 1 + random.nextInt(24);
            float[] global = Fixtures.vector(random, dim, 1);
            for (int round = 1; round <= 3; round++) {
                // Ordinary updates with shared values (ties), or cancelling huge values (sums that
                // depend on order); 11 updates or more: enough for Bulyan with f = 2 (4f + 3 = 11).
                int n = 11 + random.nextInt(6);
                List<ClientUpdate> updates = c % 2 == 0 ? Fixtures.randomUpdates(random, global, n)
                        : Fixtures.cancellingUpdates(random, dim, n);
                float[] a = inOrder.aggregate(round, global, updates);
                float[] b = shuffled.aggregate(round, global, Fixtures.shuffled(updates, random.nextLong()));
                assertSameBits(a, b, name + " case " + c + " round " + round);
                global = a;
            }
            assertEquals(inOrder.state(), shuffled.state(), name + " state, case " + c);
        }
    }
}
