package dev.mycel.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link MatMul} gives the same bits on 1, 2, 3 and 8 threads, for single matrices and for
 * several matrices in one dispatch, and those bits are the reference kernels'.
 */
class ThreadCountTest {
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void resultsDoNotDependOnTheThreadCount(GgmlType type) {
        Random rnd = new Random(71 + type.ordinal());
        int cols = DequantizeTest.cols(type);
        int tokens = 6;
        // Row counts that do not fill whole grains, so ranges end mid-grain.
        int[] rows = {150, 37};
        byte[] w0 = RandomWeights.matrix(type, rows[0], cols, rnd);
        byte[] w1 = RandomWeights.matrix(type, rows[1], cols, rnd);
        WeightMatrix[] ws = {
            WeightMatrix.of(type, RandomWeights.offHeap(w0), rows[0], cols),
            WeightMatrix.of(type, RandomWeights.offHeap(w1), rows[1], cols)
        };
        PreparedActivations px = ws[0].newInput(tokens).prepare(RandomWeights.activations(tokens, cols, rnd), 0, tokens);
        float[] expected0 = ReferenceKernels.multiply(type, w0, rows[0], cols, px);
        float[] expected1 = ReferenceKernels.multiply(type, w1, rows[1], cols, px);
        for (int threads : new int[] {1, 2, 3, 8}) {
            try (ThreadPool pool = new ThreadPool(threads)) {
                float[] single = new float[tokens * rows[0]];
                MatMul.multiply(pool, ws[0], px, single);
                assertBits(expected0, single, type + " on " + threads + " threads");
                float[][] outs = {new float[tokens * rows[0]], new float[tokens * rows[1]]};
                MatMul.multiply(pool, px, ws, outs);
                assertBits(expected0, outs[0], type + " matrix 0 of a dispatch on " + threads + " threads");
                assertBits(expected1, outs[1], type + " matrix 1 of a dispatch on " + threads + " threads");
            }
        }
    }

    private static void assertBits(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                    what + ", element " + i);
        }
    }
}
