package dev.mycel.federated.strategy;

import static dev.mycel.federated.strategy.Fixtures.assertSameBits;
import static dev.mycel.federated.strategy.Fixtures.update;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FedAvgMTest {
    @Test
    void momentumAccumulatesThePseudoGradient() {
        // Learning rate 1, momentum 0.5, one client that moves 1 down every round:
        //   round 1: global 1,    avg 0:    g = 1, m = g = 1,            new = 1 - 1 = 0
        //   round 2: global 0,    avg -1:   g = 1, m = 0.5*1 + 1 = 1.5,  new = 0 - 1.5 = -1.5
        //   round 3: global -1.5, avg -2.5: g = 1, m = 0.5*1.5 + 1 = 1.75, new = -1.5 - 1.75 = -3.25
        FedAvgM s = new FedAvgM(LocalTraining.DEFAULT, 1.0, 0.5);
        assertSameBits(new float[] {0}, s.aggregate(1, new float[] {1}, List.of(update("a", 4, 0))));
        assertSameBits(new float[] {-1.5f}, s.aggregate(2, new float[] {0}, List.of(update("a", 4, -1))));
        assertSameBits(new float[] {-3.25f}, s.aggregate(3, new float[] {-1.5f}, List.of(update("a", 4, -2.5f))));
    }

    @Test
    void theServerLearningRateScalesTheStep() {
        // Learning rate 0.5, no momentum: global 2; avg of 0 (3 examples) and 4 (1 example) is
        // (0*3 + 4*1) / 4 = 1; g = 2 - 1 = 1, new = 2 - 0.5 * 1 = 1.5.
        FedAvgM s = new FedAvgM(LocalTraining.DEFAULT, 0.5, 0.0);
        assertSameBits(new float[] {1.5f}, s.aggregate(1, new float[] {2}, List.of(update("a", 3, 0), update("b", 1, 4))));
    }

    @Test
    void withFlowersDefaultsItIsFedAvgBitForBit() {
        SplittableRandom random = new SplittableRandom(51);
        for (int c = 0; c < 50; c++) {
            int dim = 1 + random.nextInt(20);
            float[] global = Fixtures.vector(random, dim, 1);
            List<ClientUpdate> updates = Fixtures.randomUpdates(random, global, 1 + random.nextInt(8));
            assertSameBits(new FedAvg().aggregate(1, global, updates), new FedAvgM().aggregate(1, global, updates));
        }
    }

    /** Flower's FedAvgM step, one coordinate at a time, over three rounds that feed each other. */
    @Test
    void matchesAStepByStepScalarReferenceOverThreeRounds() {
        SplittableRandom random = new SplittableRandom(52);
        double[][] settings = {{1.0, 0.9}, {0.7, 0.0}, {0.3, 0.5}, {1.0, 0.0}};
        for (int c = 0; c < 40; c++) {
            double lr = settings[c % settings.length][0];
            double mu = settings[c % settings.length][1];
            int dim = 1 + random.nextInt(20);
            float[] global = Fixtures.vector(random, dim, 1);
            float[] refGlobal = global.clone();
            double[] momentum = null;
            FedAvgM s = new FedAvgM(LocalTraining.DEFAULT, lr, mu);
            for (int round = 1; round <= 3; round++) {
                List<ClientUpdate> updates = Fixtures.randomUpdates(random, global, 1 + random.nextInt(8));
                double[] avg = ScalarReference.weightedMean(updates, dim);
                float[] expected = new float[dim];
                if (lr == 1.0 && mu == 0.0) {
                    for (int j = 0; j < dim; j++) {
                        expected[j] = (float) avg[j];
                    }
                } else {
                    double[] next = new double[dim];
                    for (int j = 0; j < dim; j++) {
                        double g = (double) refGlobal[j] - avg[j];
                        if (mu > 0) {
                            next[j] = momentum == null ? g : mu * momentum[j] + g;
                            g = next[j];
                        }
                        expected[j] = (float) ((double) refGlobal[j] - lr * g);
                    }
                    if (mu > 0) {
                        momentum = next;
                    }
                }
                float[] got = s.aggregate(round, global, updates);
                assertSameBits(expected, got, "case " + c + " round " + round);
                global = got;
                refGlobal = expected;
            }
        }
    }
}
