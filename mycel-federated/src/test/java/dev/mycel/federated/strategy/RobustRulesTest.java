package dev.mycel.federated.strategy;

import static dev.mycel.federated.strategy.Fixtures.assertSameBits;
import static dev.mycel.federated.strategy.Fixtures.update;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** FedMedian and FedTrimmedAvg. */
class RobustRulesTest {
    @Test
    void medianOfAnOddCountIsTheMiddleValue() {
        // Coordinate 0: {1, 3, 2} -> 2. Coordinate 1: {5, 2, 9} -> 5. Example counts do not matter.
        List<ClientUpdate> updates = List.of(update("a", 1, 1, 5), update("b", 1000, 3, 2), update("c", 1, 2, 9));
        assertSameBits(new float[] {2, 5}, new FedMedian().aggregate(1, new float[2], updates));
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheTwoMiddleValues() {
        // Coordinate 0: {1, 3, 2, 10} sorted 1 2 3 10 -> (2 + 3) / 2 = 2.5.
        // Coordinate 1: {5, 2, 9, 0} sorted 0 2 5 9 -> (2 + 5) / 2 = 3.5.
        List<ClientUpdate> updates = List.of(update("a", 1, 1, 5), update("b", 1, 3, 2), update("c", 1, 2, 9),
                update("d", 1, 10, 0));
        assertSameBits(new float[] {2.5f, 3.5f}, new FedMedian().aggregate(1, new float[2], updates));
    }

    @Test
    void trimmedMeanDropsTheSameCountFromEachEnd() {
        // n = 5, beta = 0.2: cut = floor(0.2 * 5) = 1 from each end.
        // Coordinate 0: 1 2 3 4 100 -> (2 + 3 + 4) / 3 = 3.
        // Coordinate 1: -50 0 1 2 3 -> (0 + 1 + 2) / 3 = 1.
        List<ClientUpdate> updates = List.of(update("a", 1, 100, 3), update("b", 1, 1, -50), update("c", 1, 3, 0),
                update("d", 1, 2, 1), update("e", 1, 4, 2));
        assertSameBits(new float[] {3, 1}, new FedTrimmedAvg().aggregate(1, new float[2], updates));
    }

    @Test
    void trimmedMeanWithBetaZeroIsThePlainMeanAndBetaHalfTheMedianOfAnOddCount() {
        // n = 3: beta 0 keeps all three, (1 + 2 + 6) / 3 = 3; beta 0.5 cuts 1 from each end -> 2.
        List<ClientUpdate> updates = List.of(update("a", 1, 6), update("b", 1, 1), update("c", 1, 2));
        assertSameBits(new float[] {3}, new FedTrimmedAvg(LocalTraining.DEFAULT, 0).aggregate(1, new float[1], updates));
        assertSameBits(new float[] {2}, new FedTrimmedAvg(LocalTraining.DEFAULT, 0.5).aggregate(1, new float[1], updates));
    }

    @Test
    void medianMatchesTheScalarReferenceBitForBit() {
        SplittableRandom random = new SplittableRandom(21);
        for (int c = 0; c < 200; c++) {
            int dim = 1 + random.nextInt(30);
            float[] global = Fixtures.vector(random, dim, 1);
            List<ClientUpdate> updates = Fixtures.randomUpdates(random, global, 1 + random.nextInt(12));
            assertSameBits(ScalarReference.median(updates, dim), new FedMedian().aggregate(1, global, updates), "case " + c);
        }
    }

    @Test
    void trimmedMeanMatchesTheScalarReferenceBitForBit() {
        SplittableRandom random = new SplittableRandom(22);
        double[] betas = {0, 0.1, 0.2, 0.25, 0.3, 0.45};
        for (int c = 0; c < 200; c++) {
            int dim = 1 + random.nextInt(30);
            float[] global = Fixtures.vector(random, dim, 1);
            List<ClientUpdate> updates = Fixtures.randomUpdates(random, global, 1 + random.nextInt(15));
            double beta = betas[random.nextInt(betas.length)];
            assertSameBits(ScalarReference.trimmedMean(updates, dim, beta),
                    new FedTrimmedAvg(LocalTraining.DEFAULT, beta).aggregate(1, global, updates), "case " + c + " beta " + beta);
        }
    }
}
