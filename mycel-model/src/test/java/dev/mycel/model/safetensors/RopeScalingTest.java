package dev.mycel.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.model.llama.RopeScaling;
import org.junit.jupiter.api.Test;

/** The Llama 3 RoPE divisors against values worked out by hand from the converter's formula. */
class RopeScalingTest {

    /**
     * Llama 3.2 1B: head width 64, theta 500000, factor 32, low 1, high 4, original context 8192.
     * Pair i has wavelength {@code 2 pi * 500000^(i/32)}; the thresholds are 8192/4 = 2048 and
     * 8192/1 = 8192. {@code 2 pi * 500000^(14/32)} = 2 pi * 311.39 = 1956.5 < 2048, so pairs 0..14
     * keep divisor 1; {@code 2 pi * 500000^(18/32)} = 2 pi * 1605.7 = 10089 > 8192, so pairs 18..31
     * get 32. In between, pair 16 has wavelength {@code 2 pi * sqrt(500000)} = 2 pi * 707.107 =
     * 4442.88, so {@code s = (8192 / 4442.883 - 1) / 3 = (1.843848 - 1) / 3 = 0.281283} and the
     * divisor is {@code 1 / ((1 - 0.281283) / 32 + 0.281283) = 1 / (0.022460 + 0.281283) =
     * 1 / 0.303743 = 3.29226}.
     */
    @Test
    void llama32OneB() {
        float[] f = RopeScaling.llama3Factors(64, 500000, 32, 1, 4, 8192);
        assertEquals(32, f.length);
        for (int i = 0; i <= 14; i++) {
            assertEquals(1f, f[i], "pair " + i);
        }
        for (int i = 18; i < 32; i++) {
            assertEquals(32f, f[i], "pair " + i);
        }
        assertEquals(3.29226, f[16], 2e-5);
        // Pairs 15 and 17 by the same steps: wavelengths 2948.30 and 6695.11, s = 0.592849 and 0.074527.
        assertEquals(1.65133, f[15], 2e-5);
        assertEquals(9.66673, f[17], 2e-4);
        // The float32 steps of the converter give exactly these bits (checked with numpy float32).
        assertEquals(3.2922628f, f[16]);
    }

    /** Llama 3.1 8B: head width 128, factor 8. The divisors rise monotonically from 1 to 8. */
    @Test
    void llama31EightB() {
        float[] f = RopeScaling.llama3Factors(128, 500000, 8, 1, 4, 8192);
        assertEquals(64, f.length);
        assertEquals(1f, f[0]);
        assertEquals(1f, f[28]);
        assertEquals(8f, f[35]);
        assertEquals(8f, f[63]);
        for (int i = 1; i < f.length; i++) {
            assertTrue(f[i] >= f[i - 1], "divisors must not decrease");
        }
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> RopeScaling.llama3Factors(63, 500000, 8, 1, 4, 8192));
        assertThrows(IllegalArgumentException.class, () -> RopeScaling.llama3Factors(64, 500000, 8, 4, 4, 8192));
    }
}
