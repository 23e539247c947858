package dev.mycel.train.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The canonical bytes of a model's weights: every parameter in the model's order, each value as
 * a little-endian IEEE float32, nothing else. Two runs trained the same bits exactly when the
 * SHA-256 of these bytes ({@code model_sha256}) agrees; names and shapes are fixed by the model.
 */
public final class CanonicalWeights {
    private CanonicalWeights() {
    }

    /** Hex SHA-256 of the canonical bytes. */
    public static String sha256(List<Parameter> parameters) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Parameter p : parameters) {
            for (float v : p.data()) {
                if (buf.remaining() < 4) {
                    digest.update(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putFloat(v);
            }
        }
        digest.update(buf.array(), 0, buf.position());
        return HexFormat.of().formatHex(digest.digest());
    }
}
