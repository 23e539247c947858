package dev.mycel.federated.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.train.autograd.Tensor;
import dev.mycel.train.nn.Parameter;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** DP-SGD's noise calibration, budget and Gaussian mechanism. */
class DpSgdTest {
    @Test
    void calibrationMatchesOpacus() {
        // opacus/tests/accountants_test.py: ε 8, δ 1e-5, q 0.04; 90 epochs = 2,250 steps.
        assertEquals(1.416, NoiseCalibration.noiseMultiplier(8, 1e-5, 0.04, 2250, "rdp"), 5e-5);
        assertEquals(1.3562, NoiseCalibration.noiseMultiplier(8, 1e-5, 0.04, 2000, "rdp"), 5e-5);
        assertEquals(1.2915, NoiseCalibration.noiseMultiplier(8, 1e-5, 0.04, 2000, "prv"), 5e-5);
    }

    @Test
    void calibratedNoiseMeetsTheBudgetTightly() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 5; i++) {
            double target = 0.5 + rnd.nextDouble() * 8;
            double q = 0.001 + rnd.nextDouble() * 0.05;
            long steps = 50 + rnd.nextInt(3000);
            double sigma = NoiseCalibration.noiseMultiplier(target, 1e-5, q, steps, "rdp");
            RdpAccountant a = new RdpAccountant();
            a.step(sigma, q, steps);
            double eps = a.spent(1e-5).epsilon();
            assertTrue(eps <= target && eps >= target - 0.011, "eps " + eps + " for target " + target);
        }
    }

    @Test
    void theBudgetAllowsExactlyTheStepsThatFitIt() {
        DpSgdSettings s = new DpSgdSettings(1.0, 1.0, 1e-5, 3.0, "rdp");
        DpSgd dp = new DpSgd(s, 0.01, new SplittableRandom(1));
        long max = dp.maxSteps();
        assertTrue(epsilon(1.0, 0.01, max) <= 3.0);
        assertTrue(epsilon(1.0, 0.01, max + 1) > 3.0);
        for (long i = 0; i < max; i++) {
            assertTrue(dp.canStep());
            dp.stepped();
        }
        assertFalse(dp.canStep());
        assertThrows(IllegalStateException.class, dp::stepped);
        assertTrue(dp.spent().epsilon() <= 3.0);
    }

    @Test
    void noiseHasTheMechanismsSpreadAndTheMeanIsOverTheExpectedBatch() {
        float[] values = new float[200_000];
        java.util.Arrays.fill(values, 0f);
        Parameter p = new Parameter("w", Tensor.trainable(values, values.length));
        float[] g = p.grad();
        java.util.Arrays.fill(g, 64f);
        GaussianMechanism.noiseAndScale(List.of(p), 2.0, 32, new SplittableRandom(9));
        double sum = 0;
        double sq = 0;
        for (float v : g) {
            sum += v;
            sq += (double) v * v;
        }
        double mean = sum / g.length;
        double std = Math.sqrt(sq / g.length - mean * mean);
        assertEquals(2.0, mean, 0.002);          // 64 / 32
        assertEquals(2.0 / 32, std, 0.001);      // σC / expected batch
    }

    @Test
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new DpSgdSettings(0, 1, 1e-5, 1, "rdp"));
        assertThrows(IllegalArgumentException.class, () -> new DpSgdSettings(1, 0, 1e-5, 1, "rdp"));
        assertThrows(IllegalArgumentException.class, () -> new DpSgdSettings(1, 1, 0, 1, "rdp"));
        assertThrows(IllegalArgumentException.class, () -> new DpSgdSettings(1, 1, 1e-5, 0, "rdp"));
        assertThrows(IllegalArgumentException.class, () -> new DpSgdSettings(1, 1, 1e-5, 1, "moments"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NoiseCalibration.noiseMultiplier(1e-9, 1e-5, 0.5, 1_000_000, "rdp"));
        assertTrue(e.getMessage().contains("larger epsilon"), e.getMessage());
    }

    private static double epsilon(double sigma, double q, long steps) {
        RdpAccountant a = new RdpAccountant();
        a.step(sigma, q, steps);
        return a.spent(1e-5).epsilon();
    }
}
