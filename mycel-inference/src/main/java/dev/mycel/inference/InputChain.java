package dev.mycel.inference;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The chained SHA-256 of every hidden state a session was given, token by token:
 * {@code c(0)} is 32 zero bytes and {@code c(t + 1) = SHA-256(c(t) || token t's hidden state)}.
 * A step's output depends on every input before it (through the KV cache), so a signature over
 * {@code c(position + tokens)} binds the answer to the whole history it was computed on, in
 * whatever chunks that history arrived. Keeps the value at every position, so a rewind is a cut.
 */
public final class InputChain {
    private static final MessageDigest PROTOTYPE;

    static {
        try {
            PROTOTYPE = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int bytesPerToken;
    private final List<byte[]> values = new ArrayList<>();

    /** @param bytesPerToken the size of one token's hidden state on the wire (dim x 4) */
    public InputChain(int bytesPerToken) {
        this.bytesPerToken = bytesPerToken;
        values.add(new byte[32]);
    }

    /** Positions chained so far. */
    public int position() {
        return values.size() - 1;
    }

    /** Forgets positions from {@code position} on. */
    public void rewind(int position) {
        if (position < 0 || position > position()) {
            throw new IllegalArgumentException("cannot rewind to " + position + " of " + position());
        }
        while (values.size() > position + 1) {
            values.removeLast();
        }
    }

    /** Chains {@code tokens} hidden states, {@code bytesPerToken} each, at the current end. */
    public void append(ByteString hidden, int tokens) {
        if (hidden.size() != (long) tokens * bytesPerToken) {
            throw new IllegalArgumentException("hidden states of " + hidden.size() + " bytes for " + tokens + " tokens");
        }
        MessageDigest sha = digest();
        ByteBuffer all = hidden.asReadOnlyByteBuffer();
        for (int t = 0; t < tokens; t++) {
            sha.update(values.getLast());
            ByteBuffer one = all.duplicate();
            one.position(t * bytesPerToken).limit((t + 1) * bytesPerToken);
            sha.update(one);
            values.add(sha.digest());
        }
    }

    /** The chained hash at {@code position} (0: nothing chained yet). */
    public byte[] at(int position) {
        return values.get(position).clone();
    }

    /** The chained hash of everything so far. */
    public byte[] current() {
        return values.getLast().clone();
    }

    static MessageDigest digest() {
        try {
            return (MessageDigest) PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the SHA-256 provider cannot be cloned", e);
        }
    }
}
