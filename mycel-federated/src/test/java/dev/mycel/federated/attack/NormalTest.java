package dev.mycel.federated.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;

class NormalTest {
    @Test
    void inverseCdfAgreesWithCommonsMathInTheCentreAndNearTails() {
        NormalDistribution normal = new NormalDistribution(null, 0, 1);
        // The central branch (|p - 0.5| <= 0.425) and the near tails (sqrt(-ln p) <= 5).
        double[] ps = {0.5, 0.6, 0.8, 0.925, 0.075, 0.01, 0.3, 0.999, 1e-5, 1 - 1e-9};
        for (double p : ps) {
            double expected = normal.inverseCumulativeProbability(p);
            assertEquals(expected, Normal.inverseCdf(p), Math.abs(expected) * 1e-12 + 1e-15, "p = " + p);
        }
        assertEquals(0.0, Normal.inverseCdf(0.5));
        assertEquals(1.959963984540054, Normal.inverseCdf(0.975), 1e-15);
    }

    @Test
    void inverseCdfInTheFarTailMapsBackToItsProbability() {
        // sqrt(-ln p) > 5 below p of about 1.4e-11; there commons-math's quantile is only good to
        // about 1e-6, so check the round trip through its erfc instead: Phi(x) = erfc(-x / sqrt 2) / 2.
        for (double p : new double[] {1e-12, 1e-30, 1e-100, 1e-300}) {
            double x = Normal.inverseCdf(p);
            assertEquals(p, 0.5 * Erf.erfc(-x / Math.sqrt(2)), p * 1e-9, "p = " + p);
        }
        // Phi^-1(1e-12), as Python's statistics.NormalDist computes it (the same algorithm).
        assertEquals(-7.034483825301132, Normal.inverseCdf(1e-12), 1e-14);
    }

    @Test
    void inverseCdfRefusesProbabilitiesOutsideTheOpenInterval() {
        assertThrows(IllegalArgumentException.class, () -> Normal.inverseCdf(0));
        assertThrows(IllegalArgumentException.class, () -> Normal.inverseCdf(1));
        assertThrows(IllegalArgumentException.class, () -> Normal.inverseCdf(Double.NaN));
    }

    @Test
    void drawsHaveMeanZeroAndVarianceOne() {
        double[] z = Normal.draw(new SplittableRandom(1), 40_001);
        double sum = 0;
        double sq = 0;
        for (double v : z) {
            sum += v;
            sq += v * v;
        }
        assertEquals(0, sum / z.length, 0.02);
        assertEquals(1, sq / z.length, 0.03);
    }
}
