package dev.mycel.federated.strategy;

import static dev.mycel.federated.strategy.Fixtures.assertSameBits;
import static dev.mycel.federated.strategy.Fixtures.update;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Krum and Multi-Krum. */
class KrumTest {
    // Five one-coordinate updates, f = 1: each score sums the n - f - 2 = 2 nearest squared
    // distances.
    //   0: to 1, 2, 3, 100 -> 1, 4, 9, 10000     -> 1 + 4 = 5
    //   1: to 0, 2, 3, 100 -> 1, 1, 4, 9801      -> 1 + 1 = 2
    //   2: to 0, 1, 3, 100 -> 4, 1, 1, 9604      -> 1 + 1 = 2
    //   3: to 0, 1, 2, 100 -> 9, 4, 1, 9409      -> 1 + 4 = 5
    //   100: 9409 + 9604                           -> 19013
    private static List<ClientUpdate> line(String id0, String id1, String id2, String id3, String id100) {
        return List.of(update(id0, 1, 0), update(id1, 1, 1), update(id2, 1, 2), update(id3, 1, 3), update(id100, 1, 100));
    }

    @Test
    void krumPicksTheLowestScoreAndBreaksTiesByClientId() {
        // 1 and 2 tie at 2; the smaller id wins.
        assertSameBits(new float[] {1}, new Krum(LocalTraining.DEFAULT, 1).aggregate(1, new float[1], line("a", "b", "c", "d", "e")));
        assertSameBits(new float[] {2}, new Krum(LocalTraining.DEFAULT, 1).aggregate(1, new float[1], line("a", "c", "b", "d", "e")));
    }

    @Test
    void multiKrumAveragesTheBestMUnweighted() {
        // m = 3: 1 and 2 (score 2), then 0 and 3 tie at 5 and the smaller id goes first.
        // ids a..e: keeps 1, 2, 0 -> (0 + 1 + 2) / 3 = 1.
        assertSameBits(new float[] {1}, new MultiKrum(LocalTraining.DEFAULT, 1, 3).aggregate(1, new float[1], line("a", "b", "c", "z", "e")));
        // Giving 3 the smaller id than 0 keeps 1, 2, 3 -> (1 + 2 + 3) / 3 = 2.
        assertSameBits(new float[] {2}, new MultiKrum(LocalTraining.DEFAULT, 1, 3).aggregate(1, new float[1], line("z", "b", "c", "a", "e")));
        // Example counts do not weigh in: a huge count on the kept 0 changes nothing.
        List<ClientUpdate> heavy = List.of(update("a", 1_000_000, 0), update("b", 1, 1), update("c", 1, 2),
                update("z", 1, 3), update("e", 1, 100));
        assertSameBits(new float[] {1}, new MultiKrum(LocalTraining.DEFAULT, 1, 3).aggregate(1, new float[1], heavy));
    }

    @Test
    void multiKrumWithOneKeptIsKrum() {
        SplittableRandom random = new SplittableRandom(31);
        for (int c = 0; c < 100; c++) {
            int f = random.nextInt(3);
            int n = 2 * f + 3 + random.nextInt(6);
            int dim = 1 + random.nextInt(20);
            float[] global = Fixtures.vector(random, dim, 1);
            List<ClientUpdate> updates = Fixtures.randomUpdates(random, global, n);
            assertSameBits(new Krum(LocalTraining.DEFAULT, f).aggregate(1, global, updates),
                    new MultiKrum(LocalTraining.DEFAULT, f, 1).aggregate(1, global, updates), "case " + c);
        }
    }

    @Test
    void krumAndMultiKrumMatchTheScalarReferenceBitForBit() {
        SplittableRandom random = new SplittableRandom(32);
        for (int c = 0; c < 200; c++) {
            int f = random.nextInt(4);
            int n = 2 * f + 3 + random.nextInt(6);
            int m = 1 + random.nextInt(n);
            int dim = 1 + random.nextInt(20);
            float[] global = Fixtures.vector(random, dim, 1);
            List<ClientUpdate> updates = Fixtures.randomUpdates(random, global, n);
            assertSameBits(ScalarReference.krum(updates, f), new Krum(LocalTraining.DEFAULT, f).aggregate(1, global, updates),
                    "krum case " + c);
            assertSameBits(ScalarReference.multiKrum(updates, f, m, dim),
                    new MultiKrum(LocalTraining.DEFAULT, f, m).aggregate(1, global, updates), "multikrum case " + c);
        }
    }

    @Test
    void equalUpdatesTieOnEveryScore() {
        // Identical updates all score 0; Krum returns the smallest id's values (the same bits anyway)
        // and Multi-Krum their mean, exactly.
        List<ClientUpdate> same = List.of(update("q", 1, 0.3f, -2f), update("p", 1, 0.3f, -2f), update("r", 1, 0.3f, -2f),
                update("s", 1, 0.3f, -2f), update("t", 1, 0.3f, -2f));
        assertSameBits(new float[] {0.3f, -2f}, new Krum(LocalTraining.DEFAULT, 1).aggregate(1, new float[2], same));
        assertSameBits(new float[] {0.3f, -2f}, new MultiKrum(LocalTraining.DEFAULT, 1, 5).aggregate(1, new float[2], same));
    }

    @Test
    void multiKrumWithMZeroKeepsNMinusF() {
        // n = 5, f = 1: the best four by score (1, 2, then 0 and 3 at 5) are kept, the outlier not.
        assertSameBits(new float[] {1.5f}, new MultiKrum(LocalTraining.DEFAULT, 1, 0).aggregate(1, new float[1],
                line("a", "b", "c", "d", "e")));
    }
}
