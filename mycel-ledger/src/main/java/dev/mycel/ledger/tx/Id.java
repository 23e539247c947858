package dev.mycel.ledger.tx;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A 32-byte name: a transaction's id (SHA-256 of its signed body), and so the id of the escrow
 * or channel that transaction opened. Compared by content.
 */
public final class Id implements Comparable<Id> {
    public static final int BYTES = 32;
    private final byte[] bytes;

    private Id(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Id of(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("an id has 32 bytes, not " + bytes.length);
        }
        return new Id(bytes.clone());
    }

    public static Id sha256(byte[] content) {
        try {
            return new Id(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Parses 64 hex digits, with a clear error otherwise. */
    public static Id parse(String hex) {
        if (hex.length() != 2 * BYTES) {
            throw new IllegalArgumentException("an id is 64 hex digits, got " + hex.length() + " characters: " + hex);
        }
        try {
            return new Id(HexFormat.of().parseHex(hex));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("an id is 64 hex digits: " + hex, e);
        }
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Id other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public int compareTo(Id o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}
