package dev.mycel.bench.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class TensorFrameTest {
    @Test
    void floatsRoundTripAsLittleEndianBytes() {
        TensorFrame t = TensorFrame.ofFloats(new float[] {1f, -2.5f, Float.NaN, 0x1p-149f, 7f, 8f}, 2, 3);
        assertEquals(24, t.byteSize());
        assertEquals(6, t.elementCount());
        assertArrayEquals(new float[] {1f, -2.5f, Float.NaN, 0x1p-149f, 7f, 8f}, t.toFloats());
        // 1.0f is 0x3f800000: little-endian puts 0x00 first and 0x3f last.
        assertEquals(0x3f, t.data().get(3));
        assertEquals(0, t.data().get(0));
    }

    @Test
    void theFrameIsIndependentOfTheCallersBufferPositionAndOfShapeChanges() {
        ByteBuffer b = ByteBuffer.wrap(new byte[] {9, 1, 2, 3, 4});
        b.position(1);
        long[] shape = {2, 2};
        TensorFrame t = new TensorFrame("u8", shape, b);
        b.position(5);
        shape[0] = 100;
        assertEquals(4, t.byteSize());
        assertArrayEquals(new long[] {2, 2}, t.shape());
        assertEquals(1, t.data().get(0));
        t.shape()[1] = 50;
        assertArrayEquals(new long[] {2, 2}, t.shape());
        assertEquals(new TensorFrame("u8", new long[] {2, 2}, ByteBuffer.wrap(new byte[] {1, 2, 3, 4})), t);
        assertNotEquals(new TensorFrame("i8", new long[] {2, 2}, ByteBuffer.wrap(new byte[] {1, 2, 3, 4})), t);
        assertNotEquals(new TensorFrame("u8", new long[] {4}, ByteBuffer.wrap(new byte[] {1, 2, 3, 4})), t);
    }

    @Test
    void badTensorsAreRefusedWithTheReason() {
        assertMessage("has 24 bytes, but 20 were given", () -> new TensorFrame("f32", new long[] {2, 3}, ByteBuffer.allocate(20)));
        assertMessage("unknown dtype 'q8_0'", () -> new TensorFrame("q8_0", new long[] {32}, ByteBuffer.allocate(34)));
        assertMessage("short lower-case name", () -> new TensorFrame("F32", new long[] {1}, ByteBuffer.allocate(4)));
        assertMessage("short lower-case name", () -> new TensorFrame("f32" + "x".repeat(20), new long[] {1}, ByteBuffer.allocate(4)));
        assertMessage("at most 8 dimensions", () -> new TensorFrame("u8", new long[9], ByteBuffer.allocate(0)));
        assertMessage("negative dimension", () -> new TensorFrame("u8", new long[] {2, -1}, ByteBuffer.allocate(0)));
        assertMessage("more bytes than a long holds", () -> TensorFrame.byteSize("f64", new long[] {1L << 31, 1L << 31}));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }
}
