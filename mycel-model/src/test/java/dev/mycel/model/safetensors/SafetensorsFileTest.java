package dev.mycel.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.model.ModelFormatException;
import dev.mycel.tensor.GgmlType;
import dev.mycel.tensor.WeightMatrix;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writing and reading safetensors files, and one test per kind of broken file. */
class SafetensorsFileTest {
    @TempDir
    Path tmp;

    static byte[] image(SafetensorsWriter w) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        w.writeTo(Channels.newChannel(out));
        return out.toByteArray();
    }

    /** A file made by hand: the header text as given, then {@code dataBytes} zero bytes. */
    static byte[] raw(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).array();
    }

    static SafetensorsFile parse(byte[] image) {
        return SafetensorsFile.parse(MemorySegment.ofArray(image), "bad.safetensors");
    }

    static String error(byte[] image) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> parse(image));
        assertTrue(e.getMessage().startsWith("bad.safetensors: "), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "'" + message + "' should mention '" + p + "'");
        }
    }

    @Test
    void roundTripsAllFloatTypes() throws IOException {
        float[] values = {1f, -2.5f, 0.1f, 3e-5f, 65504f, -0f};
        SafetensorsWriter w = new SafetensorsWriter()
                .putMetadata("format", "pt")
                .add("b.half", SafetensorsDtype.F16, new long[] {2, 3}, values)
                .add("a.brain", SafetensorsDtype.BF16, new long[] {6}, values)
                .add("c.single", new long[] {3, 2}, values)
                .add("d.scalar", SafetensorsDtype.F32, new long[] {}, new float[] {7f});
        Path file = tmp.resolve("x.safetensors");
        w.write(file);
        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(image(w), bytes, "the same tensors give the same bytes");
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + headerLength) % 8, "data starts 8-byte aligned");
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        // Larger elements first, then by name: F32 tensors, then BF16 before F16 by name.
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"c.single\""), header);
        assertTrue(header.indexOf("a.brain") < header.indexOf("b.half"), header);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals("pt", f.metadata().get("format"));
            assertEquals(List.of("c.single", "d.scalar", "a.brain", "b.half"), List.copyOf(f.tensors().keySet()));
            SafetensorsTensor c = f.tensor("c.single").orElseThrow();
            assertArrayEquals(new long[] {3, 2}, c.shape());
            assertEquals(0, c.begin());
            assertArrayEquals(values, WeightMatrix.of(f.ggmlType(c), f.tensorData(c), 1, 6).dequantizeRow(0));
            SafetensorsTensor h = f.tensor("b.half").orElseThrow();
            assertEquals(GgmlType.F16, f.ggmlType(h));
            float[] half = WeightMatrix.of(GgmlType.F16, f.tensorData(h), 1, 6).dequantizeRow(0);
            for (int i = 0; i < values.length; i++) {
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(values[i])), half[i]);
            }
            SafetensorsTensor b = f.tensor("a.brain").orElseThrow();
            float[] brain = WeightMatrix.of(GgmlType.BF16, f.tensorData(b), 1, 6).dequantizeRow(0);
            assertEquals(0.10009765625f, brain[2]); // 0.1 rounded to 8 significant bits
            assertEquals(1, f.tensor("d.scalar").orElseThrow().elementCount());
        }
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] good = image(new SafetensorsWriter().add("w", new long[] {4, 4}, new float[16]));
        Path file = tmp.resolve("cut.safetensors");
        Files.write(file, Arrays.copyOf(good, good.length - 10));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(file));
        assertContains(e.getMessage(), file.toString(), "'w'", "beyond the end", "truncated");
        Files.write(file, Arrays.copyOf(good, 5));
        e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(file));
        assertContains(e.getMessage(), "too short");
    }

    @Test
    void missingFile() {
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> SafetensorsFile.open(tmp.resolve("none.safetensors")));
        assertContains(e.getMessage(), "none.safetensors", "no such file");
    }

    @Test
    void headerLengthBeyondFile() {
        byte[] b = raw("{}", 0);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 4096);
        assertContains(error(b), "header length 4096", "past the end");
    }

    @Test
    void absurdHeaderLength() {
        byte[] b = raw("{}", 0);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 0x3f800000_00000000L);
        assertContains(error(b), "absurd");
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1);
        assertContains(error(b), "absurd");
    }

    @Test
    void invalidJson() {
        assertContains(error(raw("{\"w\": {\"dtype\": \"F32\",", 0)), "not valid JSON");
        assertContains(error(raw("[1, 2]", 0)), "not a JSON object");
        assertContains(error(raw("{} {}", 0)), "text after");
    }

    @Test
    void offsetsOutOfRange() {
        assertContains(error(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 8)),
                "'w'", "beyond the end");
        assertContains(error(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8)),
                "'w'", "end before they begin");
        assertContains(error(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8)),
                "'w'", "non-negative");
    }

    @Test
    void dtypeShapeMismatch() {
        assertContains(error(raw("{\"w\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", 24)),
                "'w'", "F16 [2, 3]", "needs 12 bytes", "span 24");
        assertContains(error(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,\"3\"],\"data_offsets\":[0,24]}}", 24)),
                "'w'", "'shape'");
    }

    @Test
    void unknownDtype() {
        assertContains(error(raw("{\"w\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2)),
                "'w'", "unknown dtype 'Q7'");
    }

    @Test
    void unsupportedDtypeIsNamedWhenUsed() throws IOException {
        byte[] b = raw("{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", 16);
        try (SafetensorsFile f = parse(b)) {
            SafetensorsTensor t = f.tensor("ids").orElseThrow();
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> f.ggmlType(t));
            assertContains(e.getMessage(), "'ids'", "I64", "not supported", "F32, F16, BF16");
        }
    }

    @Test
    void overlappingTensors() {
        assertContains(error(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12)), "'a'", "'b'", "overlap");
    }

    @Test
    void duplicateNames() {
        assertContains(error(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8)), "'a'", "twice");
    }

    @Test
    void badMetadata() {
        assertContains(error(raw("{\"__metadata__\":{\"n\":3}}", 0)), "metadata 'n'", "string");
    }

    @Test
    void emptyTensorsAndPaddedHeader() {
        try (SafetensorsFile f = parse(raw("{\"e\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[0,0]},"
                + "\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}     ", 4))) {
            assertEquals(0, f.tensor("e").orElseThrow().byteSize());
            assertEquals(4, f.tensorData(f.tensor("w").orElseThrow()).byteSize());
            assertEquals(0, f.tensorData(f.tensor("w").orElseThrow()).get(ValueLayout.JAVA_BYTE, 0));
        }
    }
}
