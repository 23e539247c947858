package dev.mycel.tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each matrix dequantizes rows exactly as ggml's dequantize_row_* does, and its dot products are
 * close to the exact dot products of those values with the dequantized activations.
 */
class DequantizeTest {
    static int cols(GgmlType type) {
        return switch (type.blockSize()) {
            case 1 -> 172;
            case 32 -> 352;
            default -> 768;
        };
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void dequantizeRowMatchesGgmlBitForBit(GgmlType type) {
        Random rnd = new Random(31 + type.ordinal());
        int rows = 6;
        int cols = cols(type);
        byte[] w = RandomWeights.matrix(type, rows, cols, rnd);
        WeightMatrix m = WeightMatrix.of(type, RandomWeights.offHeap(w), rows, cols);
        float[] dst = new float[cols + 7];
        for (int r = 0; r < rows; r++) {
            float[] expected = GgmlDequantizer.row(type, w, r, cols);
            m.dequantizeRow(r, dst, 7);
            for (int i = 0; i < cols; i++) {
                if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(dst[7 + i])) {
                    fail(type + " row " + r + " value " + i + ": ggml gives " + expected[i] + ", we give " + dst[7 + i]);
                }
            }
        }
    }

    /**
     * |kernel - exact| &le; 1e-5 * magnitude, where exact is the double-precision dot product of
     * the dequantized weights with the activations as the kernel receives them (rounded to fp16
     * or bf16, or quantized and scaled back), and magnitude the sum of the absolute values of the
     * terms the kernel adds: |w_i x_i|, and for Q4_K and Q5_K |d sc_j q_i x_i| + |dmin m_j x_i|,
     * whose two parts may cancel in w_i. Relative to the plain result the bound would mean
     * nothing when the terms cancel.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void dotIsCloseToTheExactDotOfDequantizedValues(GgmlType type) {
        Random rnd = new Random(57 + type.ordinal());
        int rows = 9;
        int cols = cols(type);
        int tokens = 6;
        byte[] w = RandomWeights.matrix(type, rows, cols, rnd);
        WeightMatrix m = WeightMatrix.of(type, RandomWeights.offHeap(w), rows, cols);
        PreparedActivations px = m.newInput(tokens).prepare(RandomWeights.activations(tokens, cols, rnd), 0, tokens);
        float[] out = new float[tokens * rows];
        m.multiply(px, out, rows, 0, rows);
        int block = px.format().blockSize();
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) {
                float[] wr = GgmlDequantizer.row(type, w, r, cols);
                double exact = 0;
                double magnitude = 0;
                for (int i = 0; i < cols; i++) {
                    double xi = block > 1
                            ? (double) px.quant(t, i) * px.scale(t, i / block)
                            : px.values()[t * cols + i];
                    exact += wr[i] * xi;
                    magnitude += termMagnitude(type, w, r, cols, i, wr[i]) * Math.abs(xi);
                }
                double error = Math.abs(out[t * rows + r] - exact);
                assertTrue(error <= 1e-5 * magnitude, type + " token " + t + " row " + r + ": " + out[t * rows + r]
                        + " vs exact " + exact + " (magnitude " + magnitude + ")");
            }
        }
    }

    /** |w_i|, or for Q4_K and Q5_K |d sc_j q_i| + |dmin m_j|. */
    private static double termMagnitude(GgmlType type, byte[] w, int r, int cols, int i, float wi) {
        if (type != GgmlType.Q4_K && type != GgmlType.Q5_K) {
            return Math.abs(wi);
        }
        int bo = (int) (r * type.byteSize(cols)) + (i / 256) * type.bytesPerBlock();
        int j = (i % 256) / 32;
        double d = ReferenceKernels.f16(w, bo) * ReferenceKernels.kScale(w, bo + 4, j);
        double dmin = ReferenceKernels.f16(w, bo + 2) * ReferenceKernels.kMin(w, bo + 4, j);
        return Math.abs(d * ReferenceKernels.kQuant(type, w, bo, i % 256)) + Math.abs(dmin);
    }
}
