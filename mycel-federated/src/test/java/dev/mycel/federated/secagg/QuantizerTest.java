package dev.mycel.federated.secagg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class QuantizerTest {
    @Test
    void levelsStayInTheRangeAndClip() {
        Quantizer q = new Quantizer(2.0, 1000.0);
        assertEquals(4000, q.maxLevel());
        assertEquals(0, q.level(-2.0));
        assertEquals(4000, q.level(2.0));
        assertEquals(2000, q.level(0.0));
        assertEquals(0, q.level(-7.5), "below -c clips to level 0");
        assertEquals(4000, q.level(1e30), "above c clips to the top level");
        assertEquals(2001, q.level(0.0005), "halves round up");
        assertEquals(1.0, q.dequantize((int) q.level(1.0)), 1e-12);
        Random r = new Random(1);
        for (int i = 0; i < 10_000; i++) {
            double v = (r.nextDouble() * 2 - 1) * 2.0;
            long level = q.level(v);
            assertTrue(level >= 0 && level <= q.maxLevel());
            assertTrue(Math.abs(q.dequantize((int) level) - v) <= 0.5 / q.scale() + 1e-12, "each value within 1/(2s) of its level");
        }
    }

    @Test
    void theFinestQuantiserStillHasHeadroom() {
        Quantizer q = Quantizer.forParticipants(1.0, 40);
        assertEquals(Quantizer.MAX_UINT32 / 40, q.maxLevel());
        assertTrue(q.maxParticipants() >= 40);
        assertTrue(40 * q.maxLevel() <= Quantizer.MAX_UINT32);
        // Forty clients all at +c: the levels' true sum still fits in 32 bits.
        int[] sum = new int[1];
        for (int i = 0; i < 40; i++) {
            sum[0] += q.quantize(new float[] {1.0f})[0];
        }
        assertEquals(40 * q.maxLevel(), Integer.toUnsignedLong(sum[0]));
        assertEquals(40.0, q.dequantizeSum(sum, 40)[0], 1e-9);
    }

    @Test
    void sumOfDequantisedEqualsDequantisedSumWithinTheBound() {
        int m = 50;
        double c = 3.0;
        Quantizer q = Quantizer.forParticipants(c, m);
        Random r = new Random(7);
        int length = 200;
        int[] levelSum = new int[length];
        double[] sumOfDequantised = new double[length];
        double[] trueClippedSum = new double[length];
        for (int u = 0; u < m; u++) {
            float[] x = new float[length];
            for (int i = 0; i < length; i++) {
                x[i] = (float) ((r.nextDouble() * 2 - 1) * 1.2 * c); // some beyond the clip
            }
            int[] levels = q.quantize(x);
            for (int i = 0; i < length; i++) {
                levelSum[i] += levels[i];
                sumOfDequantised[i] += q.dequantize(levels[i]);
                trueClippedSum[i] += Math.max(-c, Math.min(c, x[i]));
            }
        }
        double[] dequantisedSum = q.dequantizeSum(levelSum, m);
        double bound = q.maxSumError(m);
        assertEquals(m / (2 * q.scale()), bound, 0.0);
        for (int i = 0; i < length; i++) {
            assertEquals(sumOfDequantised[i], dequantisedSum[i], 1e-9, "the same number two ways");
            assertTrue(Math.abs(dequantisedSum[i] - trueClippedSum[i]) <= bound + 1e-9,
                    "coordinate " + i + ": error " + Math.abs(dequantisedSum[i] - trueClippedSum[i]) + " > " + bound);
        }
    }

    @Test
    void tooManyParticipantsForTheRangeIsAClearError() {
        Quantizer q = Quantizer.forParticipants(1.0, 1000);
        q.checkHeadroom(1000);
        assertTrue(1001 * q.maxLevel() > Quantizer.MAX_UINT32, "1001 top levels would wrap");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> q.checkHeadroom(1001));
        assertTrue(e.getMessage().contains("overflow") && e.getMessage().contains("headroom for 1000 participants"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> q.dequantizeSum(new int[1], 1001));
    }

    @Test
    void refusesBadSettingsAndNonFiniteValues() {
        assertThrows(IllegalArgumentException.class, () -> new Quantizer(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Quantizer(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Quantizer(Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> new Quantizer(1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Quantizer(1, 1e-3), "no level above zero");
        IllegalArgumentException wide = assertThrows(IllegalArgumentException.class, () -> new Quantizer(1, 3e9));
        assertTrue(wide.getMessage().contains("32-bit"), wide.getMessage());
        Quantizer q = new Quantizer(1, 100);
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class, () -> q.quantize(new float[] {0, Float.NaN}));
        assertTrue(nan.getMessage().contains("index 1"), nan.getMessage());
        assertThrows(IllegalArgumentException.class, () -> q.quantize(new float[] {Float.POSITIVE_INFINITY}));
    }
}
