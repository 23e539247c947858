package dev.mycel.model.generate;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The canonical fingerprint of a logits vector: SHA-256 of its float32 little-endian bytes. */
public final class LogitsHash {
    private LogitsHash() {
    }

    public static String sha256(float[] logits) {
        ByteBuffer bb = ByteBuffer.allocate(logits.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : logits) {
            bb.putFloat(f);
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bb.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }
}
