package dev.mycel.net.dht;

import dev.mycel.net.identity.PeerId;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.random.RandomGenerator;

/** A point in the DHT's 256-bit key space; distance is XOR, compared as an unsigned number. */
public final class DhtKey {
    public static final int BYTES = 32;
    public static final int BITS = 256;
    private final byte[] bytes;

    private DhtKey(byte[] bytes) {
        this.bytes = bytes;
    }

    public static DhtKey of(byte[] bytes) {
        if (bytes == null || bytes.length != BYTES) {
            throw new IllegalArgumentException("a DHT key has 32 bytes, got " + (bytes == null ? "none" : bytes.length));
        }
        return new DhtKey(bytes.clone());
    }

    /** SHA-256 of the data: how names and contents become keys. */
    public static DhtKey sha256(byte[] data) {
        try {
            return new DhtKey(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static DhtKey of(PeerId peer) {
        return new DhtKey(peer.dhtKey());
    }

    /** 64 hex digits. */
    public static DhtKey parseHex(String hex) {
        if (hex.length() != 2 * BYTES) {
            throw new IllegalArgumentException("a DHT key is 64 hex digits, got " + hex.length() + " characters");
        }
        return new DhtKey(HexFormat.of().parseHex(hex));
    }

    /** A uniformly random key whose common prefix with {@code self} is exactly {@code prefixBits} bits. */
    public static DhtKey randomInBucket(DhtKey self, int prefixBits, RandomGenerator random) {
        byte[] b = new byte[BYTES];
        random.nextBytes(b);
        for (int i = 0; i < prefixBits; i++) {
            setBit(b, i, bit(self.bytes, i));
        }
        if (prefixBits < BITS) {
            setBit(b, prefixBits, !bit(self.bytes, prefixBits));
        }
        return new DhtKey(b);
    }

    private static boolean bit(byte[] b, int i) {
        return ((b[i >>> 3] >>> (7 - (i & 7))) & 1) != 0;
    }

    private static void setBit(byte[] b, int i, boolean v) {
        int mask = 1 << (7 - (i & 7));
        b[i >>> 3] = (byte) (v ? b[i >>> 3] | mask : b[i >>> 3] & ~mask);
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** Leading bits this key shares with the other (256 when equal). */
    public int commonPrefixBits(DhtKey o) {
        for (int i = 0; i < BYTES; i++) {
            int x = (bytes[i] ^ o.bytes[i]) & 0xff;
            if (x != 0) {
                return i * 8 + Integer.numberOfLeadingZeros(x) - 24;
            }
        }
        return BITS;
    }

    /** Negative when {@code a} is closer to this key than {@code b}, by XOR distance. */
    public int compareDistance(DhtKey a, DhtKey b) {
        for (int i = 0; i < BYTES; i++) {
            int da = (a.bytes[i] ^ bytes[i]) & 0xff;
            int db = (b.bytes[i] ^ bytes[i]) & 0xff;
            if (da != db) {
                return Integer.compare(da, db);
            }
        }
        return 0;
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DhtKey k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
