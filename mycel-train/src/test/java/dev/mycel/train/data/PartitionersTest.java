package dev.mycel.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PartitionersTest {
    private static int[] mnistLabels;

    @BeforeAll
    static void loadLabels() {
        mnistLabels = Mnist.bundled().labels();
    }

    /** Every index 0..n-1 exactly once across the clients, each client's ascending. */
    private static void assertDealsEveryIndexOnce(int[][] partition, int n) {
        boolean[] seen = new boolean[n];
        int total = 0;
        for (int[] client : partition) {
            for (int k = 0; k < client.length; k++) {
                assertTrue(k == 0 || client[k - 1] < client[k], "indices ascending");
                assertFalse(seen[client[k]], "index " + client[k] + " dealt twice");
                seen[client[k]] = true;
            }
            total += client.length;
        }
        assertEquals(n, total);
    }

    private static int[] classCounts(int[] client, int[] labels, int classes) {
        int[] counts = new int[classes];
        for (int i : client) {
            counts[labels[i]]++;
        }
        return counts;
    }

    private static int classesPresent(int[] client, int[] labels, int classes) {
        return (int) Arrays.stream(classCounts(client, labels, classes)).filter(c -> c > 0).count();
    }

    @Test
    void iidDealsEveryIndexOnceInSizesDifferingByAtMostOne() {
        int[][] p = Partitioners.iid(10_003, 10, 1);
        assertDealsEveryIndexOnce(p, 10_003);
        for (int[] client : p) {
            assertTrue(client.length == 1000 || client.length == 1001, "size " + client.length);
        }
        assertDealsEveryIndexOnce(Partitioners.iid(5, 5, 1), 5);
        assertDealsEveryIndexOnce(Partitioners.iid(5, 1, 1), 5);
    }

    @Test
    void iidIsTheSameForASeedAndDifferentForAnother() {
        assertArrayEquals(Partitioners.iid(1000, 7, 42), Partitioners.iid(1000, 7, 42));
        assertFalse(Arrays.deepEquals(Partitioners.iid(1000, 7, 42), Partitioners.iid(1000, 7, 43)));
    }

    @Test
    void iidGivesEachClientRoughlyTheOverallClassMix() {
        int[][] p = Partitioners.iid(mnistLabels.length, 10, 3);
        for (int[] client : p) {
            for (int count : classCounts(client, mnistLabels, 10)) {
                assertTrue(count > 50 && count < 160, "class count " + count);
            }
        }
    }

    @Test
    void dirichletDealsEveryIndexOnce() {
        for (double alpha : new double[] {0.01, 0.1, 1, 1000}) {
            assertDealsEveryIndexOnce(Partitioners.dirichlet(mnistLabels, 10, 20, alpha, 5), mnistLabels.length);
        }
        // More clients than a class has examples: rounding still deals every one.
        int[] labels = {0, 1, 1, 2, 2, 2};
        assertDealsEveryIndexOnce(Partitioners.dirichlet(labels, 4, 6, 0.5, 9), labels.length);
    }

    @Test
    void dirichletIsTheSameForASeedAndDifferentForAnother() {
        assertArrayEquals(Partitioners.dirichlet(mnistLabels, 10, 10, 0.5, 7),
                Partitioners.dirichlet(mnistLabels, 10, 10, 0.5, 7));
        assertFalse(Arrays.deepEquals(Partitioners.dirichlet(mnistLabels, 10, 10, 0.5, 7),
                Partitioners.dirichlet(mnistLabels, 10, 10, 0.5, 8)));
    }

    @Test
    void dirichletWithSmallAlphaGivesMostClientsAFewDominantClasses() {
        int[][] p = Partitioners.dirichlet(mnistLabels, 10, 10, 0.1, 11);
        int dominated = 0;
        for (int[] client : p) {
            int[] counts = classCounts(client, mnistLabels, 10);
            Arrays.sort(counts);
            // the two largest classes hold at least 80% of the client's examples
            if (client.length > 0 && counts[9] + counts[8] >= 0.8 * client.length) {
                dominated++;
            }
        }
        assertTrue(dominated >= 7, dominated + " of 10 clients dominated by two classes");
    }

    @Test
    void dirichletWithLargeAlphaGivesEveryClientNearlyTheOverallMix() {
        int[][] p = Partitioners.dirichlet(mnistLabels, 10, 10, 1000, 12);
        int[] overall = classCounts(Partitioners.iid(mnistLabels.length, 1, 0)[0], mnistLabels, 10);
        for (int[] client : p) {
            int[] counts = classCounts(client, mnistLabels, 10);
            double distance = 0; // total variation between the client's mix and the overall one
            for (int c = 0; c < 10; c++) {
                distance += Math.abs((double) counts[c] / client.length - (double) overall[c] / mnistLabels.length) / 2;
            }
            assertTrue(distance < 0.03, "total variation " + distance);
            assertTrue(Math.abs(client.length - 1000) < 50, "size " + client.length);
        }
    }

    @Test
    void dirichletRedrawsUntilEveryClientHasItsMinimum() {
        // Without the minimum, alpha 0.05 over 30 clients leaves some nearly empty.
        int[][] once = Partitioners.dirichlet(mnistLabels, 10, 30, 0.05, 13);
        assertTrue(Arrays.stream(once).mapToInt(c -> c.length).min().orElseThrow() < 10);
        int[][] p = Partitioners.dirichlet(mnistLabels, 10, 30, 0.05, 10, 13);
        assertDealsEveryIndexOnce(p, mnistLabels.length);
        for (int[] client : p) {
            assertTrue(client.length >= 10, "size " + client.length);
        }
        assertArrayEquals(p, Partitioners.dirichlet(mnistLabels, 10, 30, 0.05, 10, 13));
    }

    @Test
    void shardsDealEveryIndexOnceReproducibly() {
        int[][] p = Partitioners.shards(mnistLabels, 10, 100, 2, 21);
        assertDealsEveryIndexOnce(p, mnistLabels.length);
        for (int[] client : p) {
            assertEquals(100, client.length);
        }
        assertArrayEquals(p, Partitioners.shards(mnistLabels, 10, 100, 2, 21));
        assertFalse(Arrays.deepEquals(p, Partitioners.shards(mnistLabels, 10, 100, 2, 22)));
    }

    @Test
    void shardsGiveEachClientAtMostItsShardCountOfClassesWhenShardsAlignWithClasses() {
        // 10 classes of 60: shards of 15 never straddle two classes.
        int[] labels = new int[600];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (i * 7) % 10;
        }
        int[][] p = Partitioners.shards(labels, 10, 20, 2, 5);
        assertDealsEveryIndexOnce(p, labels.length);
        int withTwo = 0;
        for (int[] client : p) {
            int present = classesPresent(client, labels, 10);
            assertTrue(present <= 2, present + " classes");
            withTwo += present == 2 ? 1 : 0;
        }
        assertTrue(withTwo > 10, "most clients should hold two distinct classes");
    }

    @Test
    void shardsOnMnistHoldAtMostTwoClassesEach() {
        // Class counts are not multiples of the shard size (50), so a shard may straddle two
        // classes: a client has at most 2 x 2, and most have at most 2.
        int[][] p = Partitioners.shards(mnistLabels, 10, 100, 2, 23);
        int atMostTwo = 0;
        for (int[] client : p) {
            int present = classesPresent(client, mnistLabels, 10);
            assertTrue(present <= 4, present + " classes");
            atMostTwo += present <= 2 ? 1 : 0;
        }
        assertTrue(atMostTwo >= 80, atMostTwo + " of 100 clients with at most two classes");
    }

    @Test
    void refusesBadParameters() {
        int[] labels = {0, 1, 2, 1};
        assertEquals("alpha must be between 1.0E-6 and 1000000.0 (0.1 is strongly skewed, 1000 nearly uniform), got 0.0",
                assertThrows(IllegalArgumentException.class, () -> Partitioners.dirichlet(labels, 3, 2, 0, 1)).getMessage());
        for (double alpha : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY, 1e-9, 1e7}) {
            assertThrows(IllegalArgumentException.class, () -> Partitioners.dirichlet(labels, 3, 2, alpha, 1), "alpha " + alpha);
        }
        assertEquals("the client count must be 1..4 (one example each at least), got 0",
                assertThrows(IllegalArgumentException.class, () -> Partitioners.iid(4, 0, 1)).getMessage());
        assertEquals("the client count must be 1..4 (one example each at least), got 5",
                assertThrows(IllegalArgumentException.class, () -> Partitioners.dirichlet(labels, 3, 5, 1, 1)).getMessage());
        assertEquals("there are no examples to partition",
                assertThrows(IllegalArgumentException.class, () -> Partitioners.iid(0, 1, 1)).getMessage());
        assertEquals("label 3 at index 2 is outside 0..2",
                assertThrows(IllegalArgumentException.class, () -> Partitioners.shards(new int[] {0, 1, 3}, 3, 1, 1, 1)).getMessage());
        assertEquals("label -1 at index 0 is outside 0..2",
                assertThrows(IllegalArgumentException.class, () -> Partitioners.dirichlet(new int[] {-1}, 3, 1, 1, 1)).getMessage());
        assertEquals("the class count must be positive, got 0",
                assertThrows(IllegalArgumentException.class, () -> Partitioners.shards(labels, 0, 1, 1, 1)).getMessage());
        assertEquals("shards per client must be positive, got 0",
                assertThrows(IllegalArgumentException.class, () -> Partitioners.shards(labels, 3, 2, 0, 1)).getMessage());
        assertEquals("2 clients x 3 shards is 6 shards, more than the 4 examples",
                assertThrows(IllegalArgumentException.class, () -> Partitioners.shards(labels, 3, 2, 3, 1)).getMessage());
        assertEquals("a minimum of 3 examples for each of 2 clients cannot be met with 4 examples",
                assertThrows(IllegalArgumentException.class, () -> Partitioners.dirichlet(labels, 3, 2, 1, 3, 1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Partitioners.dirichlet(labels, 3, 2, 1, -1, 1));
    }

    @Test
    void namesAMinimumNoDrawMeets() {
        // Two clients, two examples of one class: only a draw splitting it one and one works,
        // and with alpha 1e-6 every draw gives the whole class to one client.
        assertEquals("no Dirichlet(1.0E-6) draw in 1000 gave each of 2 clients at least 1 examples;"
                        + " lower the minimum or raise alpha",
                assertThrows(IllegalArgumentException.class,
                        () -> Partitioners.dirichlet(new int[] {0, 0}, 1, 2, 1e-6, 1, 1)).getMessage());
    }
}
