package dev.mycel.federated.round;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of a parameter vector's canonical bytes (float32, little-endian, in order). */
public final class Hashes {
    private Hashes() {
    }

    public static byte[] sha256(float[] vector) {
        MessageDigest d = digest();
        update(d, vector);
        return d.digest();
    }

    /** Feeds the vector's canonical bytes (float32, little-endian, in order) to a digest. */
    static void update(MessageDigest d, float[] vector) {
        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : vector) {
            if (!b.hasRemaining()) {
                d.update(b.array(), 0, b.position());
                b.clear();
            }
            b.putFloat(v);
        }
        d.update(b.array(), 0, b.position());
    }

    /** Feeds ints' canonical bytes (32-bit little-endian, in order) to a digest. */
    static void update(MessageDigest d, int[] vector) {
        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : vector) {
            if (!b.hasRemaining()) {
                d.update(b.array(), 0, b.position());
                b.clear();
            }
            b.putInt(v);
        }
        d.update(b.array(), 0, b.position());
    }

    public static byte[] sha256(byte[] bytes) {
        return digest().digest(bytes);
    }

    public static String hex(byte[] hash) {
        return HexFormat.of().formatHex(hash);
    }

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
