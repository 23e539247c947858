package dev.mycel.net.identity;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The canonical byte encoding that every signed object is signed over. Protobuf bytes are not
 * canonical (field order, unknown fields, varint lengths may differ between encoders), so
 * signatures cover this encoding instead, rebuilt from the decoded fields by the verifier.
 *
 * <p>Rules: a domain string first ({@code "mycel/<what>/v<n>"}), so a signature for one kind of
 * object can never be replayed as another; then the fields in a fixed order; integers
 * little-endian of fixed width; byte strings and text (UTF-8) prefixed by their length as a
 * 32-bit integer.
 */
public final class CanonicalWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(128);

    public CanonicalWriter(String domain) {
        text(domain);
    }

    public CanonicalWriter u8(int v) {
        out.write(v);
        return this;
    }

    public CanonicalWriter u32(int v) {
        for (int i = 0; i < 4; i++) {
            out.write(v >>> (8 * i));
        }
        return this;
    }

    public CanonicalWriter u64(long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    public CanonicalWriter bytes(byte[] b) {
        u32(b.length);
        out.writeBytes(b);
        return this;
    }

    public CanonicalWriter text(String s) {
        return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }
}
