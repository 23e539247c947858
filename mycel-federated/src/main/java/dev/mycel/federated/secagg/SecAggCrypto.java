package dev.mycel.federated.secagg;

import dev.mycel.net.identity.CanonicalWriter;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.XECPrivateKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KDF;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.HKDFParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.threshold.ShamirSecretSplitter;
import org.bouncycastle.crypto.threshold.ShamirSplitSecret;
import org.bouncycastle.crypto.threshold.ShamirSplitSecretShare;

/**
 * The primitives secure aggregation is built from, all from the JDK or BouncyCastle: X25519,
 * HKDF-SHA256, a ChaCha20 keystream as the masks' PRG, AES-256-GCM for shares between clients,
 * and Shamir sharing over GF(2<sup>8</sup>).
 */
final class SecAggCrypto {
    /** Bytes of an X25519 key, of a mask seed and of every derived key. */
    static final int KEY_BYTES = 32;
    static final int GCM_NONCE_BYTES = 12;
    static final int GCM_TAG_BITS = 128;

    private static final NamedParameterSpec X25519 = NamedParameterSpec.X25519;
    /** The X25519 base point's u-coordinate; agreeing with it gives a private key's public key. */
    private static final BigInteger BASE_POINT_U = BigInteger.valueOf(9);
    private static final int KEYSTREAM_CHUNK = 1 << 14;
    private static final java.lang.invoke.VarHandle LE_INT =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private SecAggCrypto() {
    }

    // ---- X25519 ----

    static KeyPair generateKeyPair(SecureRandom random) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("X25519");
            g.initialize(X25519, random);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 unavailable", e);
        }
    }

    /** The 32-byte little-endian u-coordinate of an X25519 public key (RFC 7748). */
    static byte[] encodePublicKey(PublicKey key) {
        BigInteger u = ((XECPublicKey) key).getU();
        byte[] be = u.toByteArray();
        byte[] le = new byte[KEY_BYTES];
        for (int i = 0; i < be.length && i < KEY_BYTES; i++) {
            le[i] = be[be.length - 1 - i];
        }
        return le;
    }

    /** Decodes a 32-byte RFC 7748 public key (the top bit is ignored, as the RFC says). */
    static PublicKey decodePublicKey(byte[] encoded) throws InvalidKeyException {
        if (encoded == null || encoded.length != KEY_BYTES) {
            throw new InvalidKeyException("an X25519 public key has " + KEY_BYTES + " bytes, got " + (encoded == null ? "none" : encoded.length));
        }
        byte[] be = new byte[KEY_BYTES];
        for (int i = 0; i < KEY_BYTES; i++) {
            be[i] = encoded[KEY_BYTES - 1 - i];
        }
        be[0] &= 0x7f;
        return publicKey(new BigInteger(1, be));
    }

    private static PublicKey publicKey(BigInteger u) throws InvalidKeyException {
        try {
            return KeyFactory.getInstance("X25519").generatePublic(new XECPublicKeySpec(X25519, u));
        } catch (java.security.spec.InvalidKeySpecException e) {
            throw new InvalidKeyException("not an X25519 public key", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 unavailable", e);
        }
    }

    /** The 32 private bytes of an X25519 key (what is Shamir-shared as the mask key). */
    static byte[] privateKeyBytes(PrivateKey key) {
        return ((XECPrivateKey) key).getScalar().orElseThrow(() -> new IllegalStateException("X25519 private key has no exportable scalar"));
    }

    static PrivateKey decodePrivateKey(byte[] scalar) {
        try {
            return KeyFactory.getInstance("X25519").generatePrivate(new XECPrivateKeySpec(X25519, scalar));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 unavailable", e);
        }
    }

    /** The encoded public key of a private key: X25519(private, 9). */
    static byte[] publicKeyOf(PrivateKey key) {
        try {
            return agree(key, publicKey(BASE_POINT_U));
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("X25519 of the base point failed", e);
        }
    }

    /** The raw X25519 shared secret; refuses a peer key of small order (all-zero result). */
    static byte[] agree(PrivateKey own, PublicKey peer) throws InvalidKeyException {
        try {
            KeyAgreement ka = KeyAgreement.getInstance("X25519");
            ka.init(own);
            ka.doPhase(peer, true);
            return ka.generateSecret();
        } catch (InvalidKeyException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 unavailable", e);
        }
    }

    // ---- HKDF and the labels it is used with ----

    /** HKDF-SHA256 (RFC 5869, no salt) of {@code ikm} to a 256-bit key for {@code info}. */
    static byte[] hkdf(byte[] ikm, byte[] info) {
        try {
            KDF kdf = KDF.getInstance("HKDF-SHA256");
            return kdf.deriveData(HKDFParameterSpec.ofExtract().addIKM(ikm).thenExpand(info, KEY_BYTES));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HKDF-SHA256 unavailable", e);
        }
    }

    private static CanonicalWriter pairLabel(String domain, String roundId, String a, String b) {
        boolean aFirst = a.compareTo(b) < 0;
        return new CanonicalWriter(domain).text(roundId).text(aFirst ? a : b).text(aFirst ? b : a);
    }

    /** HKDF info of the AES-GCM key between a and b (either order gives the same). */
    static byte[] shareKeyInfo(String roundId, String a, String b) {
        return pairLabel("mycel/secagg/share-key/v1", roundId, a, b).toByteArray();
    }

    /** HKDF info of the pairwise mask key s_ab (either order gives the same). */
    static byte[] pairMaskInfo(String roundId, String a, String b) {
        return pairLabel("mycel/secagg/pair-mask/v1", roundId, a, b).toByteArray();
    }

    /** HKDF info of the self-mask key derived from owner's seed b. */
    static byte[] selfMaskInfo(String roundId, String owner) {
        return new CanonicalWriter("mycel/secagg/self-mask/v1").text(roundId).text(owner).toByteArray();
    }

    /** AES-GCM associated data of a share from sender to recipient. */
    static byte[] shareAad(String roundId, String sender, String recipient) {
        return new CanonicalWriter("mycel/secagg/share/v1").text(roundId).text(sender).text(recipient).toByteArray();
    }

    /** SHA-256 of {@code bytes}. */
    static byte[] sha256(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    // ---- the masks' PRG ----

    /**
     * Adds {@code sign} times the mask expanded from {@code key} to {@code acc}, modulo 2^32: the
     * mask's i-th word is bytes [4i, 4i+4) of the ChaCha20 keystream (RFC 8439, the full 256-bit
     * key, zero nonce, block counter from 0), little-endian. A zero nonce is safe because every
     * key is used for one mask only: it is derived by HKDF for one round and one pair or owner.
     */
    static void addMask(int[] acc, byte[] key, int sign) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("mask key must have " + KEY_BYTES + " bytes");
        }
        if (sign != 1 && sign != -1) {
            throw new IllegalArgumentException("a mask is added or subtracted, not multiplied by " + sign);
        }
        try {
            Cipher chacha = Cipher.getInstance("ChaCha20");
            chacha.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new ChaCha20ParameterSpec(new byte[12], 0));
            byte[] zeros = new byte[KEYSTREAM_CHUNK];
            byte[] stream = new byte[KEYSTREAM_CHUNK];
            int words = acc.length;
            for (int start = 0; start < words; start += KEYSTREAM_CHUNK / 4) {
                int count = Math.min(KEYSTREAM_CHUNK / 4, words - start);
                int got = chacha.update(zeros, 0, 4 * count, stream, 0);
                if (got != 4 * count) {
                    throw new IllegalStateException("ChaCha20 gave " + got + " keystream bytes for " + 4 * count);
                }
                // Words read little-endian through a view (one load each, not four byte loads).
                if (sign > 0) {
                    for (int j = 0; j < count; j++) {
                        acc[start + j] += (int) LE_INT.get(stream, 4 * j);
                    }
                } else {
                    for (int j = 0; j < count; j++) {
                        acc[start + j] -= (int) LE_INT.get(stream, 4 * j);
                    }
                }
            }
            Arrays.fill(stream, (byte) 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20 unavailable", e);
        }
    }

    // ---- AES-256-GCM ----

    static byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) {
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(GCM_TAG_BITS, nonce));
            gcm.updateAAD(aad);
            return gcm.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** Decrypts and authenticates; throws {@link AEADBadTagException} if anything was altered. */
    static byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] ciphertext) throws AEADBadTagException {
        if (nonce.length != GCM_NONCE_BYTES) {
            throw new AEADBadTagException("nonce of " + nonce.length + " bytes, expected " + GCM_NONCE_BYTES);
        }
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(GCM_TAG_BITS, nonce));
            gcm.updateAAD(aad);
            return gcm.doFinal(ciphertext);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            AEADBadTagException bad = new AEADBadTagException("cannot decrypt: " + e.getMessage());
            bad.initCause(e);
            throw bad;
        }
    }

    // ---- Shamir over GF(2^8) ----

    /**
     * Splits {@code secret} into {@code count} shares, any {@code threshold} of which rebuild it;
     * share i (0-based) has x-coordinate i + 1.
     */
    static byte[][] split(byte[] secret, int threshold, int count, SecureRandom random) {
        ShamirSecretSplitter splitter = ShamirSecretSplitter.getInstance(ShamirSecretSplitter.Algorithm.AES, secret.length, random);
        ShamirSplitSecretShare[] shares = splitter.resplit(secret, threshold, count).getSecretShares();
        byte[][] out = new byte[count][];
        try {
            for (int i = 0; i < count; i++) {
                out[i] = shares[i].getEncoded();
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a Shamir share", e);
        }
        return out;
    }

    /** Rebuilds a secret from shares at distinct x-coordinates {@code indices} (each in 1..255). */
    static byte[] combine(int[] indices, byte[][] shares) {
        ShamirSplitSecretShare[] s = new ShamirSplitSecretShare[indices.length];
        for (int i = 0; i < indices.length; i++) {
            s[i] = new ShamirSplitSecretShare(shares[i], indices[i]);
        }
        try {
            return ShamirSplitSecret.getInstance(ShamirSecretSplitter.Algorithm.AES, s).getSecret();
        } catch (IOException e) {
            throw new IllegalStateException("cannot rebuild a Shamir secret", e);
        }
    }
}
