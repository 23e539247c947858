package dev.mycel.model.gguf;

import static dev.mycel.model.gguf.GgufImages.indexOf;
import static dev.mycel.model.gguf.GgufImages.parse;
import static dev.mycel.model.gguf.GgufImages.putInt;
import static dev.mycel.model.gguf.GgufImages.putLong;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.model.ModelFormatException;
import dev.mycel.model.testing.TestData;
import dev.mycel.tensor.GgmlType;
import dev.mycel.tensor.WeightMatrix;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GGUF reader: round trips with the writer, real files, and each kind of bad file. */
class GgufFileTest {
    @TempDir
    Path dir;

    @Test
    void writerOutputReadsBackExactly() {
        try (GgufFile g = parse(GgufImages.sample())) {
            assertEquals(3, g.version());
            assertEquals("llama", g.string("general.architecture").orElseThrow());
            assertEquals(1L, g.integer("llama.block_count").orElseThrow());
            assertEquals(10000f, g.float32("llama.rope.freq_base").orElseThrow());
            assertTrue(g.bool("general.flag").orElseThrow());
            assertArrayEquals(new String[] {"<unk>", "<s>", "</s>", "a", "b"}, g.strings("tokenizer.ggml.tokens").orElseThrow());
            assertArrayEquals(new long[] {2, 3, 3, 1, 1}, g.longs("tokenizer.ggml.token_type").orElseThrow());
            GgufTensorInfo a = g.tensor("a.weight").orElseThrow();
            assertArrayEquals(new long[] {4, 2}, a.dims());
            float[] row1 = WeightMatrix.of(GgmlType.F32, g.tensorData(a), 2, 4).dequantizeRow(1);
            assertArrayEquals(new float[] {5, 6, 7, 8}, row1);
            float[] q = WeightMatrix.of(GgmlType.Q8_0, g.tensorData("b.weight"), 1, 32).dequantizeRow(0);
            assertEquals(-16f, q[0]);
            assertEquals(15f, q[31]);
            assertEquals(0, g.tensor("b.weight").orElseThrow().offset() % g.alignment());
        }
    }

    @Test
    void readsTheGoldenModelAndVocabularyFiles() {
        try (GgufFile g = GgufFile.open(TestData.golden("models/tiny-llama-spm-q4_0.gguf"))) {
            assertEquals(21, g.tensors().size());
            assertEquals(GgmlType.Q4_0, g.tensor("blk.0.attn_q.weight").orElseThrow().type());
            assertEquals(32000, g.strings("tokenizer.ggml.tokens").orElseThrow().length);
        }
        try (GgufFile g = GgufFile.open(TestData.golden("tokenizer/ggml-vocab-llama-spm.gguf"))) {
            assertTrue(g.tensors().isEmpty());
        }
    }

    @Test
    void writtenFileIsReadableFromDisk() throws Exception {
        Path p = dir.resolve("m.gguf");
        Files.write(p, GgufImages.sample());
        try (GgufFile g = GgufFile.open(p)) {
            assertEquals(2, g.tensors().size());
        }
        assertTrue(GgufFile.looksLikeGguf(p));
    }

    @Test
    void missingFileSaysSo() {
        var e = assertThrows(ModelFormatException.class, () -> GgufFile.open(dir.resolve("absent.gguf")));
        assertTrue(e.getMessage().endsWith("absent.gguf: no such file"), e.getMessage());
    }

    @Test
    void wrongMagicIsNamed() {
        byte[] b = GgufImages.sample();
        b[0] = 'P';
        b[1] = 'K';
        var e = assertThrows(ModelFormatException.class, () -> parse(b));
        assertTrue(e.getMessage().contains("not a GGUF file") && e.getMessage().contains("'PKUF'"), e.getMessage());
    }

    @Test
    void emptyAndTinyFilesAreTruncated() {
        for (int n : new int[] {0, 3, 7, 15, 23}) {
            byte[] b = Arrays.copyOf(GgufImages.sample(), n);
            var e = assertThrows(ModelFormatException.class, () -> parse(b));
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("not a GGUF"), n + ": " + e.getMessage());
        }
    }

    @Test
    void truncatedDataSectionIsDetected() {
        byte[] full = GgufImages.sample();
        byte[] b = Arrays.copyOf(full, full.length - 40);
        var e = assertThrows(ModelFormatException.class, () -> parse(b));
        assertTrue(e.getMessage().contains("beyond the end of the file"), e.getMessage());
    }

    @Test
    void everyTruncationPointGivesACleanError() {
        byte[] full = GgufImages.sample();
        for (int n = 0; n < full.length; n++) {
            byte[] b = Arrays.copyOf(full, n);
            try (GgufFile ignored = parse(b)) {
                // Cutting inside the trailing padding is harmless only if every tensor still fits.
                assertTrue(n >= full.length - 31, "a file cut at " + n + " of " + full.length + " was accepted");
            } catch (ModelFormatException e) {
                assertFalse(e.getMessage().isBlank());
            }
        }
    }

    @Test
    void unsupportedVersionsAreNamed() {
        byte[] b = GgufImages.sample();
        putInt(b, 4, 1);
        assertTrue(assertThrows(ModelFormatException.class, () -> parse(b)).getMessage().contains("version 1"));
        putInt(b, 4, 7);
        assertTrue(assertThrows(ModelFormatException.class, () -> parse(b)).getMessage().contains("version 7"));
        putInt(b, 4, Integer.reverseBytes(3));
        assertTrue(assertThrows(ModelFormatException.class, () -> parse(b)).getMessage().contains("big-endian"));
    }

    @Test
    void absurdTensorAndMetadataCountsAreRefusedWithoutAllocating() {
        byte[] b = GgufImages.sample();
        putLong(b, 8, Long.MAX_VALUE / 2);
        assertTrue(assertThrows(ModelFormatException.class, () -> parse(b)).getMessage().contains("tensor count"));
        byte[] c = GgufImages.sample();
        putLong(c, 16, 1L << 40);
        assertTrue(assertThrows(ModelFormatException.class, () -> parse(c)).getMessage().contains("metadata count"));
    }

    @Test
    void absurdStringAndArrayLengthsAreRefused() {
        byte[] b = GgufImages.sample();
        int key = indexOf(b, "general.architecture".getBytes(StandardCharsets.UTF_8));
        putLong(b, key - 8, -5);
        assertTrue(assertThrows(ModelFormatException.class, () -> parse(b)).getMessage().contains("impossible"));
        byte[] c = GgufImages.sample();
        int tokens = indexOf(c, "tokenizer.ggml.tokens".getBytes(StandardCharsets.UTF_8));
        // key, then type (4), element type (4), count (8)
        putLong(c, tokens + "tokenizer.ggml.tokens".length() + 8, 1L << 50);
        var e = assertThrows(ModelFormatException.class, () -> parse(c));
        assertTrue(e.getMessage().contains("array elements"), e.getMessage());
    }

    @Test
    void absurdDimensionsAndOffsetsAreRefused() {
        byte[] name = "a.weight".getBytes(StandardCharsets.UTF_8);
        // tensor info: name, n_dims (4), dims (8 each), type (4), offset (8)
        byte[] dims = GgufImages.sample();
        int at = indexOf(dims, name) + name.length;
        putInt(dims, at, 9);
        assertTrue(assertThrows(ModelFormatException.class, () -> parse(dims)).getMessage().contains("9 dimensions"));
        byte[] huge = GgufImages.sample();
        putLong(huge, at + 4, Long.MAX_VALUE);
        assertTrue(assertThrows(ModelFormatException.class, () -> parse(huge)).getMessage().contains("impossible dimension"));
        byte[] overflow = GgufImages.sample();
        putLong(overflow, at + 4, 1L << 40);
        putLong(overflow, at + 12, 1L << 40);
        assertTrue(assertThrows(ModelFormatException.class, () -> parse(overflow)).getMessage().contains("too many elements"));
        byte[] offset = GgufImages.sample();
        putLong(offset, at + 4 + 16 + 4, 1L << 40);
        assertTrue(assertThrows(ModelFormatException.class, () -> parse(offset)).getMessage().contains("beyond the end"));
        byte[] misaligned = GgufImages.sample();
        putLong(misaligned, at + 4 + 16 + 4, 3);
        assertTrue(assertThrows(ModelFormatException.class, () -> parse(misaligned)).getMessage().contains("alignment"));
    }

    @Test
    void unknownTensorTypeIsNamed() {
        byte[] b = GgufImages.sample();
        byte[] name = "a.weight".getBytes(StandardCharsets.UTF_8);
        int at = indexOf(b, name) + name.length + 4 + 16;
        putInt(b, at, 77);
        var e = assertThrows(ModelFormatException.class, () -> parse(b));
        assertEquals("test.gguf: tensor 'a.weight' has unknown type id 77", e.getMessage());
        putInt(b, at, -2);
        assertEquals("test.gguf: tensor 'a.weight' has unknown type id 4294967294",
                assertThrows(ModelFormatException.class, () -> parse(b)).getMessage());
    }

    @Test
    void unknownMetadataTypeAndWrongTypedAccessAreNamed() {
        byte[] b = GgufImages.sample();
        byte[] key = "llama.block_count".getBytes(StandardCharsets.UTF_8);
        putInt(b, indexOf(b, key) + key.length, 99);
        assertTrue(assertThrows(ModelFormatException.class, () -> parse(b)).getMessage().contains("unknown value type 99"));
        // Type ids are unsigned 32-bit numbers in the file, and are named as such, never as negative numbers.
        byte[] high = GgufImages.sample();
        putInt(high, indexOf(high, key) + key.length, -1);
        assertEquals("test.gguf: metadata 'llama.block_count' has unknown value type 4294967295 (GGUF value types are 0 to 12)",
                assertThrows(ModelFormatException.class, () -> parse(high)).getMessage());
        byte[] array = GgufImages.sample();
        byte[] tokens = "tokenizer.ggml.tokens".getBytes(StandardCharsets.UTF_8);
        putInt(array, indexOf(array, tokens) + tokens.length + 4, 0x80000000);
        assertEquals("test.gguf: metadata 'tokenizer.ggml.tokens' is an array of unsupported type 2147483648",
                assertThrows(ModelFormatException.class, () -> parse(array)).getMessage());
        try (GgufFile g = parse(GgufImages.sample())) {
            var e = assertThrows(ModelFormatException.class, () -> g.string("llama.block_count"));
            assertTrue(e.getMessage().contains("should be String"), e.getMessage());
        }
    }
}
