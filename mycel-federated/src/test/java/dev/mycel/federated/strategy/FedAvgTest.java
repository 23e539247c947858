package dev.mycel.federated.strategy;

import static dev.mycel.federated.strategy.Fixtures.assertSameBits;
import static dev.mycel.federated.strategy.Fixtures.update;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FedAvgTest {
    @Test
    void weightsEachClientByItsExamples() {
        // a = [1, 2] with 1 example, b = [3, 6] with 3:
        // [(1*1 + 3*3) / 4, (2*1 + 6*3) / 4] = [10/4, 20/4] = [2.5, 5].
        List<ClientUpdate> updates = List.of(update("a", 1, 1, 2), update("b", 3, 3, 6));
        assertSameBits(new float[] {2.5f, 5f}, new FedAvg().aggregate(1, new float[2], updates));
    }

    @Test
    void roundsOnceFromDouble() {
        // Three clients with one example each: (0.1f + 0.2f + 0.4f) / 3 summed in double and
        // rounded once, which a float sum would not always give.
        float[] a = {0.1f};
        float[] b = {0.2f};
        float[] c = {0.4f};
        float expected = (float) (((double) 0.1f + (double) 0.2f + (double) 0.4f) / 3.0);
        float[] got = new FedAvg().aggregate(1, new float[1],
                List.of(new ClientUpdate("c", c, 1), new ClientUpdate("a", a, 1), new ClientUpdate("b", b, 1)));
        assertSameBits(new float[] {expected}, got);
    }

    @Test
    void aSingleUpdateIsReturnedAsItIs() {
        float[] w = {1.25f, -3f, 1e-30f};
        assertSameBits(w, new FedAvg().aggregate(1, new float[3], List.of(new ClientUpdate("only", w, 7))));
    }

    @Test
    void matchesTheScalarReferenceBitForBit() {
        SplittableRandom random = new SplittableRandom(11);
        for (int c = 0; c < 200; c++) {
            int dim = 1 + random.nextInt(40);
            float[] global = Fixtures.vector(random, dim, 2);
            List<ClientUpdate> updates = Fixtures.randomUpdates(random, global, 1 + random.nextInt(12));
            assertSameBits(ScalarReference.fedAvg(updates, dim), new FedAvg().aggregate(1, global, updates), "case " + c);
        }
    }

    @Test
    void fedProxAggregatesAsFedAvgAndSendsMu() {
        SplittableRandom random = new SplittableRandom(12);
        for (int c = 0; c < 50; c++) {
            int dim = 1 + random.nextInt(30);
            float[] global = Fixtures.vector(random, dim, 1);
            List<ClientUpdate> updates = Fixtures.randomUpdates(random, global, 1 + random.nextInt(10));
            FedProx prox = new FedProx(LocalTraining.DEFAULT, 0.1);
            assertSameBits(new FedAvg().aggregate(c + 1, global, updates), prox.aggregate(c + 1, global, updates));
        }
        LocalTraining local = new LocalTraining(5, 64, 0.05);
        assertEquals(new RoundConfig(3, 5, 64, 0.05, 0.25), new FedProx(local, 0.25).configureRound(3));
        assertEquals(new RoundConfig(3, 5, 64, 0.05, 0.0), new FedAvg(local).configureRound(3));
        assertEquals("fedprox", new FedProx(local, 0).name());
    }
}
