package dev.mycel.federated.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Andrew et al.'s adaptive clipping: the geometric update and the split of the noise budget. */
class AdaptiveClippingTest {
    private static final ClientLevelDp.AdaptiveClipping RULE = new ClientLevelDp.AdaptiveClipping(0.5, 0.2, 0.5);

    @Test
    void theNormStaysAtTheTargetQuantileAndMovesTowardsIt() {
        double[] norms = {0.5, 2, 3, 0.1};
        // Two of four within 1: the median already, so no move (noise draw 0).
        assertEquals(1.0, RULE.next(1.0, norms, 0), 1e-15);
        // All within 4: the norm is too large; it shrinks by exp(-0.2 · 0.5).
        assertEquals(4 * Math.exp(-0.1), RULE.next(4.0, norms, 0), 1e-12);
        // None within 0.05: it grows by exp(0.2 · 0.5).
        assertEquals(0.05 * Math.exp(0.1), RULE.next(0.05, norms, 0), 1e-15);
        // The count's noise enters as countNoise · draw / m: +1 draw adds 0.5 / 4 to the fraction.
        assertEquals(Math.exp(-0.2 * 0.125), RULE.next(1.0, norms, 1), 1e-12);
    }

    @Test
    void theUpdatesNoiseLeavesRoomForTheCountsNoise() {
        ClientLevelDp.AdaptiveClipping r = new ClientLevelDp.AdaptiveClipping(0.5, 0.2, 5);
        // (σ⁻² − (2σ_b)⁻²)^{-1/2} with σ = 1, σ_b = 5: (1 − 1/100)^{-1/2}.
        assertEquals(1 / Math.sqrt(0.99), r.updateNoiseMultiplier(1.0), 1e-12);
        assertTrue(r.updateNoiseMultiplier(1.0) > 1.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RULE.updateNoiseMultiplier(1.0));
        assertTrue(e.getMessage().contains("must exceed sigma / 2"), e.getMessage());
    }

    @Test
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new ClientLevelDp.AdaptiveClipping(0, 0.2, 1));
        assertThrows(IllegalArgumentException.class, () -> new ClientLevelDp.AdaptiveClipping(0.5, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ClientLevelDp.AdaptiveClipping(0.5, 0.2, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new ClientLevelDp(ClientLevelDp.Mode.CLIENT, 1, 1, 1e-5, 1, "rdp", RULE));
    }
}
