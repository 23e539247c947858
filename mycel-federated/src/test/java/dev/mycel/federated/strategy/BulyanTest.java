package dev.mycel.federated.strategy;

import static dev.mycel.federated.strategy.Fixtures.assertSameBits;
import static dev.mycel.federated.strategy.Fixtures.update;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BulyanTest {
    @Test
    void selectsByRepeatedKrumThenAveragesTheValuesNearestTheMedian() {
        // n = 7, f = 1: theta = 5 selected by repeated Krum, beta = 3 averaged per coordinate.
        // One coordinate: a=0 b=1 c=2 d=3 e=4 x=100 y=-100. Each pass scores the remaining r updates
        // with the max(1, r - 3) nearest squared distances:
        //   r = 7, 4 nearest: a 1+4+9+16 = 30, b 1+1+4+9 = 15, c 4+1+1+4 = 10, d 15, e 30 -> c
        //   r = 6, 3 nearest: a 1+9+16 = 26, b 1+4+9 = 14, d 4+1+9 = 14, e 26 -> b (tie with d, smaller id)
        //   r = 5, 2 nearest: a 9+16 = 25, d 1+9 = 10, e 1+16 = 17 -> d
        //   r = 4, 1 nearest: a 16, e 16, x 96^2, y 100^2 -> a (tie with e)
        //   r = 3, 1 nearest: e 96^2 = 9216, x 9216, y 104^2 -> e (tie with x)
        // Selected {0, 1, 2, 3, 4}: median 2; the 3 nearest are 2, then 1 and 3 (equally far) -> 2.
        List<ClientUpdate> updates = List.of(update("a", 1, 0), update("b", 1, 1), update("c", 1, 2), update("d", 1, 3),
                update("e", 1, 4), update("x", 1, 100), update("y", 1, -100));
        assertSameBits(new float[] {2}, new Bulyan(LocalTraining.DEFAULT, 1).aggregate(1, new float[1], updates));
    }

    @Test
    void theMeanNearTheMedianWalksOutwardsAndTakesTheLowerOfEquallyFarValues() {
        // 0 1 5 6 7, beta 3: median 5; then 6 (1 away) beats 1 (4); then 7 (2) beats 1 -> 18 / 3 = 6.
        assertEquals(6.0, Bulyan.meanClosestToMedian(new float[] {0, 1, 5, 6, 7}, 3));
        // 1 3 5, beta 2: median 3; 1 and 5 are both 2 away, the lower goes first -> (3 + 1) / 2 = 2.
        assertEquals(2.0, Bulyan.meanClosestToMedian(new float[] {1, 3, 5}, 2));
        // 0 2 4 10, beta 2: median 3; 2 and 4 are both 1 away -> (2 + 4) / 2 = 3.
        assertEquals(3.0, Bulyan.meanClosestToMedian(new float[] {0, 2, 4, 10}, 2));
        // beta 3 of the same: then 0 (3 away) beats 10 (7) -> 6 / 3 = 2.
        assertEquals(2.0, Bulyan.meanClosestToMedian(new float[] {0, 2, 4, 10}, 3));
    }

    @Test
    void withNoAttackersItIsThePlainMean() {
        // f = 0: theta = n, beta = n, so every value of every coordinate is kept: (1 + 2 + 6) / 3 = 3.
        List<ClientUpdate> updates = List.of(update("a", 1, 6, 0), update("b", 1, 1, 3), update("c", 1, 2, 3));
        assertSameBits(new float[] {3, 2}, new Bulyan(LocalTraining.DEFAULT, 0).aggregate(1, new float[2], updates));
    }

    @Test
    void matchesTheScalarReferenceBitForBit() {
        SplittableRandom random = new SplittableRandom(41);
        for (int c = 0; c < 150; c++) {
            int f = random.nextInt(3);
            int n = 4 * f + 3 + random.nextInt(5);
            int dim = 1 + random.nextInt(20);
            float[] global = Fixtures.vector(random, dim, 1);
            List<ClientUpdate> updates = Fixtures.randomUpdates(random, global, n);
            assertSameBits(ScalarReference.bulyan(updates, f, dim), new Bulyan(LocalTraining.DEFAULT, f).aggregate(1, global, updates),
                    "case " + c + " (n = " + n + ", f = " + f + ")");
        }
    }
}
