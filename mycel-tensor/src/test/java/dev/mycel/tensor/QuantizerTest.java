package dev.mycel.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The quantizers reproduce llama.cpp: quantizing the F32 golden model gives, tensor for tensor,
 * the bytes that {@code llama-quantize --pure} wrote into the F16, Q8_0 and Q4_0 golden models.
 */
class QuantizerTest {
    private static Path golden(String name) {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("testdata/golden"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find testdata/golden above " + Path.of("").toAbsolutePath());
        }
        return p.resolve("testdata/golden/models").resolve(name);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"F16, tiny-llama-spm-f16.gguf", "Q8_0, tiny-llama-spm-q8_0.gguf", "Q4_0, tiny-llama-spm-q4_0.gguf"})
    void reproducesLlamaQuantizeBytes(GgmlType type, String file) throws IOException {
        try (GgufTestFile f32 = new GgufTestFile(golden("tiny-llama-spm-f32.gguf"));
             GgufTestFile quantized = new GgufTestFile(golden(file))) {
            Map<String, GgufTestFile.Tensor> expected = quantized.tensors();
            assertEquals(f32.tensors().keySet(), expected.keySet());
            int matrices = 0;
            for (GgufTestFile.Tensor source : f32.tensors().values()) {
                GgufTestFile.Tensor target = expected.get(source.name());
                assertArrayEquals(source.shape(), target.shape(), source.name());
                // The 1-D norm weights stay F32 in every file.
                GgmlType want = source.shape().length == 1 ? GgmlType.F32 : type;
                assertEquals(want, target.type(), source.name());
                byte[] ours = Quantizer.quantize(want, source.floats());
                byte[] theirs = target.data().toArray(ValueLayout.JAVA_BYTE);
                if (!java.util.Arrays.equals(ours, theirs)) {
                    int i = java.util.Arrays.mismatch(ours, theirs);
                    throw new AssertionError(source.name() + " as " + want + ": first differing byte " + i
                            + " of " + theirs.length + " (block " + i / want.bytesPerBlock() + "): ours "
                            + ours[i] + ", llama.cpp " + theirs[i]);
                }
                matrices += source.shape().length == 2 ? 1 : 0;
            }
            assertEquals(16, matrices);
        }
    }

    @Test
    void roundsHalfwayCasesAwayFromZeroLikeRoundf() {
        assertEquals(3, Quantizer.roundHalfAway(2.5f));
        assertEquals(-3, Quantizer.roundHalfAway(-2.5f));
        assertEquals(0, Quantizer.roundHalfAway(0.49999997f));
        assertEquals(1, Quantizer.roundHalfAway(0.5f));
        assertEquals(-127, Quantizer.roundHalfAway(-127.00001f));
    }

    @Test
    void zeroBlocksQuantizeToZeroScales() {
        byte[] q8 = Quantizer.quantize(GgmlType.Q8_0, new float[32]);
        assertTrue(java.util.Arrays.equals(q8, new byte[34]));
        byte[] q4 = Quantizer.quantize(GgmlType.Q4_0, new float[32]);
        // d = 0 / -8 is -0.0 in C as in Java (fp16 0x8000), and every quant is (0 + 8.5) truncated.
        assertEquals(0, q4[0]);
        assertEquals((byte) 0x80, q4[1]);
        for (int j = 2; j < 18; j++) {
            assertEquals((byte) 0x88, q4[j]);
        }
    }

    /** Dequantizing what the quantizers wrote gives the values back within half a step. */
    @ParameterizedTest
    @CsvSource({"F16", "BF16", "Q8_0", "Q4_0", "F32"})
    void roundTripsWithinHalfAStep(GgmlType type) {
        Random rnd = new Random(7);
        int rows = 3;
        int cols = 96;
        float[] x = RandomWeights.activations(rows, cols, rnd);
        byte[] bytes = Quantizer.quantize(type, x);
        WeightMatrix m = WeightMatrix.of(type, RandomWeights.offHeap(bytes), rows, cols);
        for (int r = 0; r < rows; r++) {
            float[] back = m.dequantizeRow(r);
            for (int b = 0; b < cols / 32; b++) {
                float amax = 0;
                for (int i = 0; i < 32; i++) {
                    amax = Math.max(amax, Math.abs(x[r * cols + 32 * b + i]));
                }
                for (int i = 0; i < 32; i++) {
                    int c = 32 * b + i;
                    float v = x[r * cols + c];
                    // Largest error allowed: half a step of the format, or for Q4_0 a whole step
                    // (the value opposite the block's extreme is clamped from +8 to +7 steps), plus
                    // what rounding the scale to fp16 adds.
                    double tolerance = switch (type) {
                        case F32 -> 0;
                        case F16 -> Math.scalb(1.0, Math.getExponent(v) - 10) / 2;
                        case BF16 -> Math.scalb(1.0, Math.getExponent(v) - 7) / 2;
                        case Q8_0 -> 0.6 * amax / 127;
                        default -> 1.01 * amax / 8;
                    };
                    assertTrue(Math.abs(back[c] - v) <= tolerance, type + " value " + v + " came back as " + back[c]);
                }
            }
        }
    }
}
