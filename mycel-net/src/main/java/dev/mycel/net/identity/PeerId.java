package dev.mycel.net.identity;

import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A peer's identity: its raw 32-byte Ed25519 public key. The printable form is {@code "mc"}
 * followed by the key in lower-case base32 (RFC 4648, no padding), so a peer id alone is
 * enough to check a signature or a TLS certificate, with no lookup.
 */
public final class PeerId implements Comparable<PeerId> {
    public static final int KEY_BYTES = 32;
    private static final String PREFIX = "mc";
    /** DER prefix of an X.509 SubjectPublicKeyInfo holding an Ed25519 key (RFC 8410). */
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private final byte[] key;
    private final String text;

    private PeerId(byte[] key) {
        this.key = key;
        this.text = PREFIX + Base32.encode(key);
    }

    /** The peer id of a raw 32-byte Ed25519 public key. */
    public static PeerId ofRawKey(byte[] rawKey) {
        if (rawKey == null || rawKey.length != KEY_BYTES) {
            throw new IllegalArgumentException("an Ed25519 public key has 32 bytes, got "
                    + (rawKey == null ? "none" : rawKey.length));
        }
        return new PeerId(rawKey.clone());
    }

    /** The peer id of a JDK Ed25519 public key. */
    public static PeerId of(PublicKey key) {
        byte[] der = key.getEncoded();
        if (!isEd25519(key) || der.length != X509_PREFIX.length + KEY_BYTES
                || !Arrays.equals(der, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
            throw new IllegalArgumentException("not an Ed25519 public key: " + key.getAlgorithm());
        }
        return new PeerId(Arrays.copyOfRange(der, X509_PREFIX.length, der.length));
    }

    static boolean isEd25519(PublicKey key) {
        String alg = key.getAlgorithm();
        return alg.equals("Ed25519") || alg.equals("EdDSA") || alg.equals("1.3.101.112");
    }

    /** Parses the printable form; the error says what is wrong with it. */
    public static PeerId parse(String text) {
        if (text == null || !text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("a peer id starts with \"mc\": " + text);
        }
        byte[] raw;
        try {
            raw = Base32.decode(text.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a peer id (" + e.getMessage() + "): " + text);
        }
        if (raw.length != KEY_BYTES) {
            throw new IllegalArgumentException("not a peer id (it holds " + raw.length + " bytes, not 32): " + text);
        }
        return new PeerId(raw);
    }

    /** The raw public key (a copy). */
    public byte[] rawKey() {
        return key.clone();
    }

    /** The public key as a JDK key, for {@link java.security.Signature}. */
    public PublicKey publicKey() {
        byte[] der = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + KEY_BYTES);
        System.arraycopy(key, 0, der, X509_PREFIX.length, KEY_BYTES);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (NoSuchAlgorithmException | InvalidKeySpecException e) {
            throw new IllegalStateException("the JDK refused an Ed25519 key", e);
        }
    }

    /** The peer's position in the DHT's 256-bit key space: SHA-256 of the public key. */
    public byte[] dhtKey() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A short form for logs: the first 10 characters after the prefix. */
    public String shortString() {
        return text.substring(0, PREFIX.length() + 10);
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerId p && Arrays.equals(key, p.key);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key);
    }

    @Override
    public int compareTo(PeerId o) {
        return Arrays.compareUnsigned(key, o.key);
    }
}
