package dev.mycel.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorMath#dot} against the definition of Mycel's float sums (see {@link Lanes}): value
 * i goes to virtual lane i mod 16, each lane fuses its products in increasing order, and the
 * lanes meet in one pairwise tree. Bit for bit, for lengths on and off the lane count; this class
 * also runs under 256-bit, 128-bit and SSE-only vectors (see the module's pom).
 */
class VectorMathTest {
    @Test
    void dotIsTheVirtualLaneSumBitForBit() {
        SplittableRandom random = new SplittableRandom(11);
        float[] lanes = new float[Lanes.COUNT];
        for (int n : new int[] {1, 7, 15, 16, 17, 31, 48, 63, 64, 65, 128, 1000, 4096}) {
            for (int trial = 0; trial < 20; trial++) {
                int aOff = random.nextInt(5);
                int bOff = random.nextInt(5);
                float[] a = new float[aOff + n];
                float[] b = new float[bOff + n];
                for (int i = 0; i < n; i++) {
                    // Mixed magnitudes, so that a different order of rounding would show.
                    a[aOff + i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-3, 4)));
                    b[bOff + i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-3, 4)));
                }
                float expected = reference(a, aOff, b, bOff, n);
                float actual = VectorMath.dot(a, aOff, b, bOff, n, lanes);
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                        "n = " + n + ", trial " + trial + ": " + expected + " vs " + actual);
            }
        }
    }

    private static float reference(float[] a, int aOff, float[] b, int bOff, int n) {
        float[] lane = new float[Lanes.COUNT];
        for (int i = 0; i < n; i++) {
            lane[i % Lanes.COUNT] = Math.fma(a[aOff + i], b[bOff + i], lane[i % Lanes.COUNT]);
        }
        for (int step = Lanes.COUNT / 2; step >= 1; step >>= 1) {
            for (int i = 0; i < step; i++) {
                lane[i] = lane[i] + lane[i + step];
            }
        }
        return lane[0];
    }
}
