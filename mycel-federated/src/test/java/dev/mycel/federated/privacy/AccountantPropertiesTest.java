package dev.mycel.federated.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The accountants' properties: closed forms, continuity, monotonicity, composition, refusals. */
class AccountantPropertiesTest {
    @Test
    void fullBatchIsThePlainGaussianMechanism() {
        // q = 1: RDP(α) = α / (2σ²) per step, with no sampling amplification.
        for (double alpha : new double[] {1.5, 2, 7.3, 32}) {
            assertEquals(alpha / (2 * 1.3 * 1.3), SampledGaussianRdp.rdp(1, 1.3, alpha), 1e-15);
        }
        assertEquals(0, SampledGaussianRdp.rdp(0, 1.3, 4));
        assertEquals(Double.POSITIVE_INFINITY, SampledGaussianRdp.rdp(0.1, 0, 4));
    }

    @Test
    void opacusDocumentedExampleWithMironovsOrders() {
        // The docstring of Opacus's rdp analysis: two mechanisms (q 1e-5, σ 1, 10 steps) and
        // (q 1e-4, σ 3, 4 steps) over orders 2..32 at δ 1e-5 give ε ≈ 0.336 at order 23.
        double[] orders = new double[31];
        for (int i = 0; i < orders.length; i++) {
            orders[i] = 2 + i;
        }
        RdpAccountant a = new RdpAccountant(orders);
        a.step(1.0, 1e-5, 10);
        a.step(3.0, 1e-4, 4);
        PrivacySpent s = a.spent(1e-5);
        assertEquals(0.336, s.epsilon(), 5e-4);
        assertEquals(23, s.order());
    }

    @Test
    void fractionalOrdersJoinTheIntegerOnes() {
        // The fractional series and the integer sum are different formulas for the same
        // function of α: just beside an integer they must agree.
        for (int alpha = 2; alpha <= 20; alpha += 3) {
            double atInteger = SampledGaussianRdp.rdp(0.05, 1.2, alpha);
            double beside = SampledGaussianRdp.rdp(0.05, 1.2, alpha + 1e-9);
            assertEquals(atInteger, beside, 1e-7 * Math.max(1, atInteger), "order " + alpha);
        }
    }

    @Test
    void moreStepsOrLessNoiseNeverSpendLess() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int trial = 0; trial < 40; trial++) {
            double q = 0.001 + rnd.nextDouble() * 0.2;
            double sigma = 0.6 + rnd.nextDouble() * 3;
            long steps = 1 + rnd.nextInt(5000);
            double e = epsilon(q, sigma, steps);
            assertTrue(epsilon(q, sigma, steps + 1 + rnd.nextInt(500)) >= e, "more steps");
            assertTrue(epsilon(q, sigma * 0.9, steps) >= e, "less noise");
            assertTrue(epsilon(Math.min(1, q * 1.5), sigma, steps) >= e, "larger sample");
        }
    }

    @Test
    void stepsCanBeRecordedOneAtATime() {
        RdpAccountant once = new RdpAccountant();
        once.step(1.1, 0.01, 300);
        RdpAccountant each = new RdpAccountant();
        for (int i = 0; i < 300; i++) {
            each.step(1.1, 0.01, 1);
        }
        assertEquals(once.spent(1e-5), each.spent(1e-5));
        assertEquals(1, each.history().size());
    }

    @Test
    void prvIsTighterThanRdpAndComposesDifferentRuns() {
        PrvAccountant prv = new PrvAccountant();
        prv.step(1.0, 0.02, 300);
        double homogeneous = prv.spent(1e-5).epsilon();
        RdpAccountant rdp = new RdpAccountant();
        rdp.step(1.0, 0.02, 300);
        assertTrue(homogeneous < rdp.spent(1e-5).epsilon());
        // The same 300 steps as two runs with a noise multiplier a hair apart go through the
        // linear-convolution path; the answer must match within the accountant's ε error.
        PrvAccountant split = new PrvAccountant();
        split.step(1.0, 0.02, 120);
        split.step(1.0 + 1e-9, 0.02, 180);
        assertEquals(homogeneous, split.spent(1e-5).epsilon(), 0.02);
        // Three runs: an odd count is composed as the reference pairs them.
        PrvAccountant three = new PrvAccountant();
        three.step(1.0, 0.02, 100);
        three.step(1.0 + 1e-9, 0.02, 100);
        three.step(1.0, 0.02, 100);
        assertEquals(homogeneous, three.spent(1e-5).epsilon(), 0.02);
    }

    @Test
    void noStepsSpendNothing() {
        assertEquals(0, new PrvAccountant().spent(1e-5).epsilon());
        assertTrue(new RdpAccountant().spent(1e-5).epsilon() < 0.2);
    }

    @Test
    void badParametersAreRefused() {
        RdpAccountant a = new RdpAccountant();
        assertThrows(IllegalArgumentException.class, () -> a.step(-1, 0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> a.step(1, 1.1, 1));
        assertThrows(IllegalArgumentException.class, () -> a.step(1, 0.1, -1));
        assertThrows(IllegalArgumentException.class, () -> a.spent(0));
        assertThrows(IllegalArgumentException.class, () -> a.spent(1));
        assertThrows(IllegalArgumentException.class, () -> new RdpAccountant(new double[] {1.0}));
        assertThrows(IllegalArgumentException.class, () -> PrivacyAccountant.named("gdp"));
        PrvAccountant p = new PrvAccountant();
        p.step(0, 0.1, 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.spent(1e-5));
        assertTrue(e.getMessage().contains("noise multiplier"), e.getMessage());
    }

    private static double epsilon(double q, double sigma, long steps) {
        RdpAccountant a = new RdpAccountant();
        a.step(sigma, q, steps);
        return a.spent(1e-5).epsilon();
    }
}
