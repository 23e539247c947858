package dev.mycel.tensor.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.mycel.tensor.Lanes;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.tensor.train.Gemm.Layout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Gemm} equals the scalar definition (one fused multiply-add chain per element, k in
 * order) bit for bit, for every layout, for shapes on and off the tile sizes, depths across the
 * packed-block boundary, when accumulating, and on 1 to 4 threads. Rerun under 256-bit, 128-bit
 * and SSE-only vectors by the module's surefire executions.
 */
class GemmTest {
    static float[] reference(int m, int n, int k, float[] a, Layout al, float[] b, Layout bl, float[] c0) {
        float[] c = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = c0 == null ? 0f : c0[i * n + j];
                for (int p = 0; p < k; p++) {
                    float x = al == Layout.NORMAL ? a[i * k + p] : a[p * m + i];
                    float y = bl == Layout.NORMAL ? b[p * n + j] : b[j * k + p];
                    acc = Math.fma(x, y, acc);
                }
                c[i * n + j] = acc;
            }
        }
        return c;
    }

    static float[] random(Random rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            // Mixed magnitudes so that rounding differences of another order would show.
            x[i] = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(9) - 4));
        }
        return x;
    }

    @Test
    void equalsTheScalarDefinitionForEveryLayoutAndShape() {
        Random rnd = new Random(7);
        int[][] shapes = {
            {1, 1, 1}, {6, 16, 3}, {7, 17, 5}, {5, 3, 300}, {97, 33, 257}, {13, 2 * Lanes.WIDTH + 1, 513},
            {200, 10, 64}, {10, 200, 64}, {64, 64, 1}
        };
        for (int threads : new int[] {1, 2, 3, 4}) {
            try (ThreadPool pool = new ThreadPool(threads)) {
                for (int[] s : shapes) {
                    int m = s[0];
                    int n = s[1];
                    int k = s[2];
                    float[] a = random(rnd, m * k);
                    float[] b = random(rnd, k * n);
                    for (Layout al : Layout.values()) {
                        for (Layout bl : Layout.values()) {
                            float[] expected = reference(m, n, k, a, al, b, bl, null);
                            float[] c = random(rnd, m * n);
                            Gemm.multiply(pool, m, n, k, a, 0, al, b, 0, bl, c, 0, false);
                            assertBits(expected, c, m + "x" + n + "x" + k + " " + al + "/" + bl + " on " + threads);
                            float[] c0 = random(rnd, m * n);
                            float[] acc = c0.clone();
                            Gemm.multiply(pool, m, n, k, a, 0, al, b, 0, bl, acc, 0, true);
                            assertBits(reference(m, n, k, a, al, b, bl, c0), acc,
                                    "accumulating " + m + "x" + n + "x" + k + " " + al + "/" + bl + " on " + threads);
                        }
                    }
                }
            }
        }
    }

    @Test
    void offsetsAreHonouredAndNothingOutsideCIsWritten() {
        Random rnd = new Random(11);
        int m = 9;
        int n = 21;
        int k = 40;
        float[] a = random(rnd, 5 + m * k);
        float[] b = random(rnd, 3 + k * n);
        float[] c = new float[4 + m * n + 4];
        java.util.Arrays.fill(c, 42f);
        try (ThreadPool pool = new ThreadPool(2)) {
            Gemm.multiply(pool, m, n, k, a, 5, Layout.NORMAL, b, 3, Layout.NORMAL, c, 4, false);
        }
        float[] expected = reference(m, n, k, java.util.Arrays.copyOfRange(a, 5, a.length), Layout.NORMAL,
                java.util.Arrays.copyOfRange(b, 3, b.length), Layout.NORMAL, null);
        assertBits(expected, java.util.Arrays.copyOfRange(c, 4, 4 + m * n), "offset product");
        for (int i : new int[] {0, 1, 2, 3, c.length - 4, c.length - 3, c.length - 2, c.length - 1}) {
            assertEquals(42f, c[i], "element " + i + " outside C");
        }
    }

    @Test
    void zeroDepthClearsOrKeepsC() {
        float[] c = {1f, 2f};
        try (ThreadPool pool = new ThreadPool(1)) {
            Gemm.multiply(pool, 1, 2, 0, new float[0], 0, Layout.NORMAL, new float[0], 0, Layout.NORMAL, c, 0, true);
            assertEquals(2f, c[1]);
            Gemm.multiply(pool, 1, 2, 0, new float[0], 0, Layout.NORMAL, new float[0], 0, Layout.NORMAL, c, 0, false);
            assertEquals(0f, c[1]);
        }
    }

    @Test
    void operandsTooShortAreRefusedWithTheirName() {
        try (ThreadPool pool = new ThreadPool(1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gemm.multiply(pool, 2, 2, 2,
                    new float[4], 0, Layout.NORMAL, new float[3], 0, Layout.NORMAL, new float[4], 0, false));
            assertEquals("B needs 4 floats from offset 0 but holds 3", e.getMessage());
        }
    }

    static void assertBits(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + " (vector width " + Lanes.WIDTH + "): element " + i + " expected " + expected[i]
                        + " but got " + actual[i]);
            }
        }
    }
}
