package dev.mycel.federated.round;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Parameter vectors on the wire: float32 little-endian, in order. */
final class FloatBytes {
    private FloatBytes() {
    }

    static ByteString encode(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(v.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return ByteString.copyFrom(b.array());
    }

    /** The floats, or an error naming the field when the byte count is not a whole number of them. */
    static float[] decode(ByteString bytes, String field) {
        if (bytes.size() % 4 != 0) {
            throw new IllegalArgumentException(field + " has " + bytes.size() + " bytes, not a whole number of float32 values");
        }
        float[] v = new float[bytes.size() / 4];
        bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    /** Unsigned 32-bit words (held in ints) as little-endian bytes. */
    static ByteString encodeWords(int[] v) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(v.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(v);
        return ByteString.copyFrom(b.array());
    }

    static int[] decodeWords(ByteString bytes, String field) {
        if (bytes.size() % 4 != 0) {
            throw new IllegalArgumentException(field + " has " + bytes.size() + " bytes, not a whole number of 32-bit words");
        }
        int[] v = new int[bytes.size() / 4];
        bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(v);
        return v;
    }
}
