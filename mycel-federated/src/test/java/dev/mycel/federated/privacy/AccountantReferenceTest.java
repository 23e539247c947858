package dev.mycel.federated.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The accountants against Opacus's published test values (opacus/tests/accountants_test.py),
 * to the precision its tests state (assertAlmostEqual: 7 decimal places).
 */
class AccountantReferenceTest {
    @Test
    void rdpMatchesOpacus() {
        // σ 1.5, q 0.04, 2,250 steps (90 epochs), δ 1e-5. Conversion: Balle et al. 2020,
        // theorem 21, over Opacus's default orders; the best order is 3.9.
        RdpAccountant accountant = new RdpAccountant();
        accountant.step(1.5, 0.04, 2250);
        PrivacySpent spent = accountant.spent(1e-5);
        assertEquals(7.32911117143, spent.epsilon(), 5e-8);
        assertEquals(3.9, spent.order());
    }

    @Test
    void prvMatchesOpacus() {
        // σ 1.5, q 0.04, 2,249 steps, δ 1e-5; ε error 0.01 and δ error δ / 1000 as Opacus; the
        // upper bound of the FFT-composed PRV (Gopi et al. 2021), not an RDP conversion.
        PrvAccountant accountant = new PrvAccountant();
        accountant.step(1.5, 0.04, 2249);
        assertEquals(6.777395712150674, accountant.spent(1e-5).epsilon(), 5e-8);
    }
}
