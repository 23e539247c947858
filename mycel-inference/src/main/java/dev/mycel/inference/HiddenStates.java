package dev.mycel.inference;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Hidden states on the wire: float32 little-endian, (tokens, dim), and their SHA-256 for spot checks. */
public final class HiddenStates {
    private HiddenStates() {
    }

    /** The SHA-256 engine, looked up once: each step hashes, and a provider lookup costs more than the hash. */
    private static final MessageDigest SHA256;

    static {
        try {
            SHA256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public static ByteString encode(float[] x, int tokens, int dim) {
        ByteBuffer b = ByteBuffer.allocate(tokens * dim * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(x, 0, tokens * dim);
        // The array is ours alone and never written again: no copy needed.
        return UnsafeByteOperations.unsafeWrap(b.array());
    }

    /** Decodes into {@code x}; the length must be exactly tokens x dim floats. */
    public static void decode(ByteString bytes, int tokens, int dim, float[] x) {
        long expected = (long) tokens * dim * Float.BYTES;
        if (bytes.size() != expected) {
            throw new IllegalArgumentException("hidden states of " + bytes.size() + " bytes, expected " + expected
                    + " (" + tokens + " tokens x " + dim + " floats)");
        }
        bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(x, 0, tokens * dim);
    }

    public static byte[] sha256(ByteString bytes) {
        MessageDigest sha;
        try {
            sha = (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the SHA-256 provider cannot be cloned", e);
        }
        sha.update(bytes.asReadOnlyByteBuffer());
        return sha.digest();
    }
}
