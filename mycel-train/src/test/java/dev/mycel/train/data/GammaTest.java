package dev.mycel.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GammaTest {
    @Test
    void drawsGammaWithItsMeanAndDirichletSummingToOne() {
        for (double shape : new double[] {0.1, 0.5, 1, 2.5, 1000}) {
            SeededRandom r = SeededRandom.of(4);
            int n = 20_000;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += StrictMath.exp(Gamma.logSample(r, shape));
            }
            // The mean of Gamma(k, 1) is k, its standard deviation sqrt(k).
            assertEquals(shape, sum / n, 5 * Math.sqrt(shape / n), "shape " + shape);
        }
        double[] p = Gamma.dirichlet(SeededRandom.of(5), 10, 0.01);
        double total = 0;
        for (double x : p) {
            assertTrue(x >= 0 && x <= 1);
            total += x;
        }
        assertEquals(1, total, 1e-12);
    }

    @Test
    void keepsDirichletProportionsFiniteWhereGammaDrawsUnderflow() {
        // With alpha 1e-6 nearly every Gamma draw is below the smallest double; in logs they are not.
        double[] p = Gamma.dirichlet(SeededRandom.of(6), 50, 1e-6);
        double total = 0;
        for (double x : p) {
            assertTrue(Double.isFinite(x));
            total += x;
        }
        assertEquals(1, total, 1e-12);
    }
}
