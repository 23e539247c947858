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
 * batch sizes 1 to 13 (token groups and single tokens; 8 and more take the float batch kernel of Q8_0), row ranges on and off tile boundaries,
 * row counts that leave the last tile part empty, and output strides.
 *
 * <p>The reference does not depend on the vector width, so running this class under several
 * JVM vector settings (see the surefire executions in this module's pom) shows the kernels give
 * the same bits on every width.
 */
class KernelReferenceTest {
    private static final int ROWS = 37;
    private static final int MAX_TOKENS = 13;
    /** Row ranges: whole tiles, ranges starting on a tile and ending inside one, and neither. */
    private static final int[][] RANGES = {{0, 16}, {16, 32}, {16, 37}, {32, 37}, {0, 37}, {5, 21}, {15, 17}, {31, 33}, {36, 37}};

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
        for (int tokens = 1; tokens <= MAX_TOKENS; tokens++) {
            // Each batch size stores its tokens differently (groups of four, then the rest), but
            // every activation row is quantized on its own, so the expected bits are the same.
            PreparedActivations px = m.newInput(MAX_TOKENS).prepare(x, 0, tokens);
            float[] expected = ReferenceKernels.multiply(type, w, ROWS, cols, px);
            float[] out = new float[tokens * ROWS];
            m.multiply(px, out, ROWS, 0, ROWS);
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < ROWS; r++) {
                    assertSameBits(expected[t * ROWS + r], out[t * ROWS + r], type, t, r, tokens);
                }
            }
            int[] random = {rnd.nextInt(ROWS), 0};
            random[1] = random[0] + 1 + rnd.nextInt(ROWS - random[0]);
            for (int[] range : Stream.concat(Stream.of(RANGES), Stream.<int[]>of(random)).toList()) {
                int from = range[0];
                int to = range[1];
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
    }

    /**
     * Quants, scales and activations at their extremes, all of one sign, so that the integer
     * sums reach the largest magnitudes the kernels' bounds allow for (see each matrix class):
     * the kernels must still be exact. Rows alternate between patterns that maximise different
     * parts (for Q8_0, both halves of its split weights; for Q4_0 and K-quants, the largest and
     * the smallest quants). Activations are +-127, the quantizers' extremes.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void extremeBlocksStayExact(GgmlType type) {
        int cols = type.blockSize() * 3;
        int rows = 20;
        int rowBytes = (int) type.byteSize(cols);
        byte[] w = new byte[rows * rowBytes];
        Random rnd = new Random(3);
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < rowBytes / type.bytesPerBlock(); k++) {
                int bo = r * rowBytes + k * type.bytesPerBlock();
                boolean high = r % 2 == 1;
                switch (type) {
                    case Q8_0 -> {
                        byte q = switch (r % 4) {
                            case 0 -> (byte) -128;
                            case 1 -> (byte) 127;
                            case 2 -> (byte) -1;
                            default -> (byte) rnd.nextInt();
                        };
                        Arrays.fill(w, bo + 2, bo + 34, q);
                    }
                    case Q4_0 -> Arrays.fill(w, bo + 2, bo + 18, high ? (byte) 0xff : 0);
                    case Q4_K -> Arrays.fill(w, bo + 4, bo + 144, (byte) 0xff);
                    case Q5_K -> Arrays.fill(w, bo + 4, bo + 176, (byte) 0xff);
                    case Q6_K -> {
                        Arrays.fill(w, bo, bo + 192, high ? (byte) 0xff : 0);
                        Arrays.fill(w, bo + 192, bo + 208, high ? (byte) 127 : (byte) -128);
                    }
                    default -> throw new AssertionError(type);
                }
                int d = type == GgmlType.Q6_K ? bo + 208 : bo;
                RandomWeights.putShort(w, d, Float.floatToFloat16(k % 2 == 0 ? 0.5f : -0.25f));
                if (type == GgmlType.Q4_K || type == GgmlType.Q5_K) {
                    RandomWeights.putShort(w, bo + 2, Float.floatToFloat16(0.125f));
                }
            }
        }
        WeightMatrix m = WeightMatrix.of(type, RandomWeights.offHeap(w), rows, cols);
        for (int tokens : new int[] {1, 5, 8}) {
            PreparedActivations px = extremeActivations(m, tokens);
            float[] expected = ReferenceKernels.multiply(type, w, rows, cols, px);
            float[] out = new float[tokens * rows];
            m.multiply(px, out, rows, 0, rows);
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < rows; r++) {
                    assertSameBits(expected[t * rows + r], out[t * rows + r], type, t, r, tokens);
                }
            }
        }
    }

    /**
     * Activation rows of +127 everywhere, -127 everywhere, +127 in every third column and -127
     * elsewhere, and so on in turn.
     */
    private static PreparedActivations extremeActivations(WeightMatrix m, int tokens) {
        int cols = m.cols();
        float[] x = new float[tokens * cols];
        Arrays.fill(x, -1f);
        PreparedActivations px = m.newInput(tokens).prepare(x, 0, tokens);
        for (int t = 0; t < tokens; t++) {
            int[] q = new int[cols];
            for (int i = 0; i < cols; i++) {
                q[i] = switch (t % 3) {
                    case 0 -> 127;
                    case 1 -> -127;
                    default -> i % 3 == 0 ? 127 : -127;
                };
            }
            px.overwriteQuants(t, q);
        }
        return px;
    }

    /**
     * Q8_0 and Q4_0 convert their fp16 block scales in the kernels (a vector conversion of their
     * own, not {@code Float.float16ToFloat}). Infinite, NaN, subnormal and signed-zero scales must
     * give the reference's bits in every kernel (one token, groups of four, the float batch kernel
     * from 8 tokens).
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0"})
    void unusualScalesStayExact(GgmlType type) {
        float[] nonFinite = multiplyWithScales(type, new short[] {(short) 0x7c00, (short) 0xfc00, (short) 0x7e00, (short) 0x7c01});
        assertTrue(Float.isInfinite(nonFinite[0]) || Float.isNaN(nonFinite[0]), "row 0 has an infinite scale: " + nonFinite[0]);
        multiplyWithScales(type, new short[] {(short) 0x0001, (short) 0x8001, (short) 0x03ff, (short) 0x8000, (short) 0x0000});
    }

    /**
     * Multiplies a random matrix whose scales in some blocks (row r, block r mod blocks, every
     * third row) are replaced by {@code scales}, for several batch sizes, checks each against the
     * reference and returns the first token's results of the last batch.
     */
    private static float[] multiplyWithScales(GgmlType type, short[] scales) {
        int cols = 352;
        Random rnd = new Random(11);
        byte[] w = RandomWeights.matrix(type, ROWS, cols, rnd);
        int rowBytes = (int) type.byteSize(cols);
        for (int r = 0; r < ROWS; r += 3) {
            int block = r % (cols / 32);
            RandomWeights.putShort(w, r * rowBytes + block * type.bytesPerBlock(), scales[r % scales.length]);
        }
        float[] x = RandomWeights.activations(MAX_TOKENS, cols, rnd);
        WeightMatrix m = WeightMatrix.of(type, RandomWeights.offHeap(w), ROWS, cols);
        float[] out = null;
        for (int tokens : new int[] {1, 4, 5, 8, 13}) {
            PreparedActivations px = m.newInput(tokens).prepare(x, 0, tokens);
            float[] expected = ReferenceKernels.multiply(type, w, ROWS, cols, px);
            out = new float[tokens * ROWS];
            m.multiply(px, out, ROWS, 0, ROWS);
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < ROWS; r++) {
                    assertSameBits(expected[t * ROWS + r], out[t * ROWS + r], type, t, r, tokens);
                }
            }
        }
        return out;
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
