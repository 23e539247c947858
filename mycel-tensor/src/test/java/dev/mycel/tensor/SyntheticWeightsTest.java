package dev.mycel.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Synthetic weights have the requested statistics and depend only on their arguments. */
class SyntheticWeightsTest {
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void dequantizedValuesHaveTheRequestedMeanAndDeviation(GgmlType type) {
        int rows = 48;
        int cols = 2048;
        double std = 0.02;
        byte[] bytes = SyntheticWeights.generate(type, rows, cols, std, 11);
        assertEquals(SyntheticWeights.byteSize(type, rows, cols), bytes.length);
        WeightMatrix m = WeightMatrix.of(type, RandomWeights.offHeap(bytes), rows, cols);
        double sum = 0;
        double squares = 0;
        for (int r = 0; r < rows; r++) {
            for (float v : m.dequantizeRow(r)) {
                assertTrue(Float.isFinite(v));
                sum += v;
                squares += (double) v * v;
            }
        }
        long n = (long) rows * cols;
        double mean = sum / n;
        double deviation = Math.sqrt(squares / n - mean * mean);
        // Five standard errors of the mean of n independent values.
        assertEquals(0, mean, 5 * std / Math.sqrt(n), type + " mean");
        assertEquals(std, deviation, 0.05 * std, type + " deviation");
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void bytesDependOnlyOnTheArguments(GgmlType type) throws IOException {
        // Enough values for several chunks, and a last chunk that is not full.
        int cols = 512;
        int rows = 3 * SyntheticWeights.CHUNK_VALUES / cols + 5;
        byte[] inMemory = SyntheticWeights.generate(type, rows, cols, 0.1, 5);
        for (int threads : new int[] {1, 3}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            SyntheticWeights.write(type, rows, cols, 0.1, 5, out, threads);
            assertArrayEquals(inMemory, out.toByteArray(), threads + " threads");
        }
        assertFalse(Arrays.equals(inMemory, SyntheticWeights.generate(type, rows, cols, 0.1, 6)));
    }

    @Test
    void inverseNormalIsAccurate() {
        assertEquals(0, SyntheticWeights.inverseNormal(0.5), 1e-12);
        assertEquals(1.959963984540054, SyntheticWeights.inverseNormal(0.975), 1e-8);
        assertEquals(-3.090232306167813, SyntheticWeights.inverseNormal(0.001), 1e-8);
    }
}
