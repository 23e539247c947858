package dev.mycel.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The vector kernels give the bits of the scalar {@link ReferenceKernels}, for random matrices,
 * batch sizes 1 to 9 (dot4 tiles and dot1 tails), row ranges and output strides.
 *
 * <p>The reference does not depend on the vector width, so running this class under several
 * JVM vector settings (see the surefire executions in this module's pom) shows the kernels give
 * the same bits on every width.
 */
class KernelReferenceTest {
    private static final int ROWS = 37;
    private static final int MAX_TOKENS = 9;

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(GgmlType.F32, 172), Arguments.of(GgmlType.F32, 64), Arguments.of(GgmlType.F32, 8),
                Arguments.of(GgmlType.F16, 172), Arguments.of(GgmlType.F16, 64), Arguments.of(GgmlType.F16, 8),
                Arguments.of(GgmlType.BF16, 172), Arguments.of(GgmlType.BF16, 64), Arguments.of(GgmlType.BF16, 8),
                Arguments.of(GgmlType.Q8_0, 32), Arguments.of(GgmlType.Q8_0, 352),
                Arguments.of(GgmlType.Q4_0, 32), Arguments.of(GgmlType.Q4_0, 352),
                Arguments.of(GgmlType.Q4_K, 256), Arguments.of(GgmlType.Q4_K, 768),
                Arguments.of(GgmlType.Q5_K, 256), Arguments.of(GgmlType.Q5_K, 768),
                Arguments.of(GgmlType.Q6_K, 256), Arguments.of(GgmlType.Q6_K, 768));
    }

    @ParameterizedTest(name = "{0} x {1}")
    @MethodSource("shapes")
    void kernelsEqualReferenceBitForBit(GgmlType type, int cols) {
        Random rnd = new Random(type.ordinal() * 1000L + cols);
        byte[] w = RandomWeights.matrix(type, ROWS, cols, rnd);
        WeightMatrix m = WeightMatrix.of(type, RandomWeights.offHeap(w), ROWS, cols);
        float[] x = RandomWeights.activations(MAX_TOKENS, cols, rnd);
        PreparedActivations px = m.newInput(MAX_TOKENS).prepare(x, 0, MAX_TOKENS);
        // Activation rows are prepared independently, so the results for the first n rows of a
        // batch are those of the full batch.
        float[] expected = ReferenceKernels.multiply(type, w, ROWS, cols, px);
        for (int tokens = 1; tokens <= MAX_TOKENS; tokens++) {
            px.prepare(x, 0, tokens);
            float[] out = new float[tokens * ROWS];
            m.multiply(px, out, ROWS, 0, ROWS);
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < ROWS; r++) {
                    assertSameBits(expected[t * ROWS + r], out[t * ROWS + r], type, t, r, tokens);
                }
            }
            int from = rnd.nextInt(ROWS);
            int to = from + 1 + rnd.nextInt(ROWS - from);
            int stride = ROWS + 3;
            float[] part = new float[tokens * stride];
            Arrays.fill(part, Float.NaN);
            m.multiply(px, part, stride, from, to);
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < stride; r++) {
                    float v = part[t * stride + r];
                    if (r >= from && r < to) {
                        assertSameBits(expected[t * ROWS + r], v, type, t, r, tokens);
                    } else {
                        assertTrue(Float.isNaN(v), "row " + r + " outside [" + from + ", " + to + ") was written");
                    }
                }
            }
        }
    }

    /**
     * Quants, scales and activations at their extremes, all of one sign, so that the integer
     * partial sums reach their largest magnitudes (2^23 for Q6_K): the kernels must still be
     * exact. Activations of -128 cannot come out of the Q8_K quantizer (it yields -127..127) but
     * are written in directly to test the bound claimed in the kernels.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void extremeBlocksStayExact(GgmlType type) {
        int cols = type.blockSize() * 3;
        int rows = 4;
        byte[] w = new byte[(int) (rows * type.byteSize(cols))];
        for (int k = 0; k < w.length / type.bytesPerBlock(); k++) {
            int bo = k * type.bytesPerBlock();
            switch (type) {
                case Q8_0 -> Arrays.fill(w, bo + 2, bo + 34, (byte) -128);
                case Q4_0 -> Arrays.fill(w, bo + 2, bo + 18, (byte) 0);
                case Q4_K -> Arrays.fill(w, bo + 4, bo + 144, (byte) 0xff);
                case Q5_K -> Arrays.fill(w, bo + 4, bo + 176, (byte) 0xff);
                case Q6_K -> Arrays.fill(w, bo + 192, bo + 208, (byte) -128);
                default -> throw new AssertionError(type);
            }
            int d = type == GgmlType.Q6_K ? bo + 208 : bo;
            RandomWeights.putShort(w, d, Float.floatToFloat16(k % 2 == 0 ? 0.5f : -0.25f));
            if (type == GgmlType.Q4_K || type == GgmlType.Q5_K) {
                RandomWeights.putShort(w, bo + 2, Float.floatToFloat16(0.125f));
            }
        }
        WeightMatrix m = WeightMatrix.of(type, RandomWeights.offHeap(w), rows, cols);
        int tokens = 5;
        PreparedActivations px = extremeActivations(m, tokens);
        float[] expected = ReferenceKernels.multiply(type, w, rows, cols, px);
        float[] batched = new float[tokens * rows];
        m.multiply(px, batched, rows, 0, rows);
        float[] lanes = new float[Lanes.COUNT];
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) {
                assertSameBits(expected[t * rows + r], batched[t * rows + r], type, t, r, tokens);
                assertSameBits(expected[t * rows + r], m.dot1(r, px, t, lanes), type, t, r, 1);
            }
        }
    }

    /**
     * Activation row 0 holds the quantizer's -127 everywhere, rows 1.. hold -128 (beyond what the
     * quantizer makes), row 2 with +127 in every third column; the Q8_K sums are made to match.
     */
    private static PreparedActivations extremeActivations(WeightMatrix m, int tokens) {
        int cols = m.cols();
        float[] x = new float[tokens * cols];
        Arrays.fill(x, -1f);
        PreparedActivations px = m.newInput(tokens).prepare(x, 0, tokens);
        float[] values = px.values();
        for (int t = 1; t < tokens; t++) {
            for (int i = 0; i < cols; i++) {
                values[t * cols + i] = t == 2 && i % 3 == 0 ? 127f : -128f;
            }
        }
        if (px.format() == ActivationFormat.Q8_K) {
            for (int t = 0; t < tokens; t++) {
                for (int j = 0; j < cols / 16; j++) {
                    float s = 0;
                    for (int i = 0; i < 16; i++) {
                        s += values[t * cols + 16 * j + i];
                    }
                    px.sums()[t * (cols / 16) + j] = s;
                }
            }
        }
        return px;
    }

    /** The JVM flags of the surefire executions really changed the vector width. */
    @Test
    void vectorWidthIsWhatTheRunAskedFor() {
        String max = System.getProperty("mycel.test.maxVectorWidth");
        System.out.println("vector width " + Lanes.WIDTH + " floats (" + Lanes.FLOATS + ")");
        if (max != null) {
            assertTrue(Lanes.WIDTH <= Integer.parseInt(max),
                    "this run should use at most " + max + " float lanes, not " + Lanes.WIDTH);
        }
        assertEquals(Lanes.COUNT, Lanes.WIDTH * Lanes.GROUPS);
    }

    static void assertSameBits(float expected, float actual, GgmlType type, int t, int r, int tokens) {
        if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(actual)) {
            fail(type + ": token " + t + " row " + r + " (batch of " + tokens + ", vector width " + Lanes.WIDTH
                    + "): expected " + expected + " but got " + actual);
        }
    }
}
