package dev.mycel.federated.strategy;

import static dev.mycel.federated.strategy.Fixtures.assertSameBits;
import static dev.mycel.federated.strategy.Fixtures.update;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** FedAdagrad, FedAdam and FedYogi. */
class FedOptTest {
    @Test
    void fedAdagradHandExample() {
        // eta = 1, tau = 1, global 0, avg 3: delta = 3, m = delta = 3, v = 0 + 9 = 9,
        // new = 0 + 1 * 3 / (sqrt(9) + 1) = 3/4.
        FedAdagrad s = new FedAdagrad(LocalTraining.DEFAULT, 1.0, 1.0);
        assertSameBits(new float[] {0.75f}, s.aggregate(1, new float[1], List.of(update("a", 1, 3))));
    }

    @Test
    void fedAdamHandExample() {
        // eta = 1, beta1 = 0.5, beta2 = 0.75, tau = 1, round 1, global 0, avg 4:
        //   m = 0.5 * 4 = 2, v = 0.25 * 16 = 4,
        //   step = sqrt(1 - 0.75^2) / (1 - 0.5^2) = sqrt(0.4375) / 0.75 (Flower's exponent: round + 1 = 2),
        //   new = 0 + step * 2 / (sqrt(4) + 1) = step * 2 / 3, about 0.588.
        FedAdam s = new FedAdam(LocalTraining.DEFAULT, 1.0, 0.5, 0.75, 1.0);
        double step = Math.sqrt(0.4375) / 0.75;
        float expected = (float) (0.0 + step * 2.0 / 3.0);
        assertSameBits(new float[] {expected}, s.aggregate(1, new float[1], List.of(update("a", 1, 4))));
        assertEquals(0.588, expected, 1e-3);
    }

    @Test
    void fedYogiHandExample() {
        // eta = 1, beta1 = 0.5, beta2 = 0.75, tau = 1, global 0, avg 4:
        //   m = 2, v = 0 - 0.25 * 16 * sign(0 - 16) = 4, new = 0 + 1 * 2 / (2 + 1) = 2/3.
        FedYogi s = new FedYogi(LocalTraining.DEFAULT, 1.0, 0.5, 0.75, 1.0);
        assertSameBits(new float[] {(float) (2.0 / 3.0)}, s.aggregate(1, new float[1], List.of(update("a", 1, 4))));
    }

    @Test
    void defaultsAreFlowers() {
        FedAdam adam = new FedAdam();
        assertEquals(List.of(0.1, 0.1, 0.9, 0.99, 1e-9), List.of(adam.eta(), adam.etaL(), adam.beta1(), adam.beta2(), adam.tau()));
        FedYogi yogi = new FedYogi();
        assertEquals(List.of(0.01, 0.0316, 0.9, 0.99, 1e-3), List.of(yogi.eta(), yogi.etaL(), yogi.beta1(), yogi.beta2(), yogi.tau()));
        FedAdagrad adagrad = new FedAdagrad();
        assertEquals(List.of(0.1, 0.1, 0.0, 0.0, 1e-9),
                List.of(adagrad.eta(), adagrad.etaL(), adagrad.beta1(), adagrad.beta2(), adagrad.tau()));
        assertEquals(0.0316, yogi.configureRound(4).learningRate());
        assertEquals(0.0, yogi.configureRound(4).proximalMu());
    }

    /** One coordinate's server step, as Flower writes it. */
    interface Rule {
        double v(double v, double delta);

        double step(int round);
    }

    private static void checkThreeRounds(Supplier<FedOpt> make, double beta1, Rule rule, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int c = 0; c < 30; c++) {
            FedOpt s = make.get();
            int dim = 1 + random.nextInt(20);
            float[] global = Fixtures.vector(random, dim, 1);
            double[] m = new double[dim];
            double[] v = new double[dim];
            for (int round = 1; round <= 3; round++) {
                List<ClientUpdate> updates = Fixtures.randomUpdates(random, global, 1 + random.nextInt(8));
                double[] avg = ScalarReference.weightedMean(updates, dim);
                float[] expected = new float[dim];
                for (int j = 0; j < dim; j++) {
                    double delta = avg[j] - (double) global[j];
                    m[j] = beta1 * m[j] + (1 - beta1) * delta;
                    v[j] = rule.v(v[j], delta);
                    expected[j] = (float) ((double) global[j] + rule.step(round) * m[j] / (Math.sqrt(v[j]) + s.tau()));
                }
                float[] got = s.aggregate(round, global, updates);
                assertSameBits(expected, got, s.name() + " case " + c + " round " + round);
                global = got;
            }
        }
    }

    @Test
    void fedAdagradMatchesAStepByStepScalarReferenceOverThreeRounds() {
        double eta = FedAdagrad.DEFAULT_ETA;
        checkThreeRounds(FedAdagrad::new, 0.0, new Rule() {
            public double v(double v, double d) {
                return v + d * d;
            }

            public double step(int round) {
                return eta;
            }
        }, 61);
    }

    @Test
    void fedAdamMatchesAStepByStepScalarReferenceOverThreeRounds() {
        double eta = FedAdam.DEFAULT_ETA;
        double b1 = FedAdam.DEFAULT_BETA1;
        double b2 = FedAdam.DEFAULT_BETA2;
        checkThreeRounds(FedAdam::new, b1, new Rule() {
            public double v(double v, double d) {
                return b2 * v + (1 - b2) * (d * d);
            }

            public double step(int round) {
                return eta * Math.sqrt(1 - StrictMath.pow(b2, round + 1.0)) / (1 - StrictMath.pow(b1, round + 1.0));
            }
        }, 62);
    }

    @Test
    void fedYogiMatchesAStepByStepScalarReferenceOverThreeRounds() {
        double eta = FedYogi.DEFAULT_ETA;
        double b2 = FedYogi.DEFAULT_BETA2;
        checkThreeRounds(FedYogi::new, FedYogi.DEFAULT_BETA1, new Rule() {
            public double v(double v, double d) {
                return v - (1.0 - b2) * (d * d) * Math.signum(v - d * d);
            }

            public double step(int round) {
                return eta;
            }
        }, 63);
    }
}
