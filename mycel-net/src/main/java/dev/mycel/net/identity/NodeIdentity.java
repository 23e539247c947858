package dev.mycel.net.identity;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

/**
 * A node's Ed25519 key pair. It lives in {@code identity.key} in the node's data folder (PKCS#8,
 * PEM), readable by its owner only; a key file that others may read is refused, as ssh does.
 */
public final class NodeIdentity {
    public static final String FILE_NAME = "identity.key";
    private static final String PEM_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PEM_END = "-----END PRIVATE KEY-----";

    private final KeyPair keyPair;
    private final PeerId peerId;
    private final Ed25519PrivateKeyParameters signingKey;

    private NodeIdentity(KeyPair keyPair) {
        this.keyPair = keyPair;
        this.peerId = PeerId.of(keyPair.getPublic());
        this.signingKey = new Ed25519PrivateKeyParameters(((EdECPrivateKey) keyPair.getPrivate()).getBytes().orElseThrow(), 0);
    }

    /** A fresh identity held in memory only (tests, throw-away clients). */
    public static NodeIdentity generate() {
        try {
            return new NodeIdentity(KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519", e);
        }
    }

    /**
     * The identity whose Ed25519 private key is these 32 bytes. For simulations and test networks
     * that must give the same node ids on every run: a key derived from a known seed is no secret,
     * so never use one for a real node.
     */
    public static NodeIdentity fromSeed(byte[] seed) {
        if (seed.length != 32) {
            throw new IllegalArgumentException("an Ed25519 seed has 32 bytes, not " + seed.length);
        }
        try {
            PrivateKey priv = KeyFactory.getInstance("Ed25519").generatePrivate(
                    new java.security.spec.EdECPrivateKeySpec(java.security.spec.NamedParameterSpec.ED25519, seed.clone()));
            return new NodeIdentity(new KeyPair(derivePublic(priv), priv));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519", e);
        }
    }

    /** Loads {@code identity.key} from the data folder, creating folder and key on first start. */
    public static NodeIdentity loadOrCreate(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        Path file = dataDir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            NodeIdentity created = generate();
            try {
                writeOwnerOnly(file, created.toPem());
                return created;
            } catch (FileAlreadyExistsException raced) {
                // Another process created it first: use theirs.
            }
        }
        return load(file);
    }

    /**
     * Writes this identity as {@code identity.key} into {@code dataDir} (created if missing), owner-only,
     * so that a node started on that folder has this key; refuses to replace a key already there.
     */
    public void saveTo(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        writeOwnerOnly(dataDir.resolve(FILE_NAME), toPem());
    }

    /** Loads a key file; the error names the file and what is wrong with it. */
    public static NodeIdentity load(Path file) throws IOException {
        checkOwnerOnly(file);
        String pem = Files.readString(file, StandardCharsets.US_ASCII).strip();
        if (!pem.startsWith(PEM_BEGIN) || !pem.endsWith(PEM_END)) {
            throw new IOException(file + " is not a PEM private key");
        }
        String body = pem.substring(PEM_BEGIN.length(), pem.length() - PEM_END.length()).replaceAll("\\s", "");
        try {
            KeyFactory kf = KeyFactory.getInstance("Ed25519");
            PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
            return new NodeIdentity(new KeyPair(derivePublic(priv), priv));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new IOException(file + " does not hold an Ed25519 private key (" + e.getMessage() + ")");
        }
    }

    private static PublicKey derivePublic(PrivateKey priv) {
        // The JDK cannot derive an Ed25519 public key from the private one; BouncyCastle can.
        byte[] seed = ((EdECPrivateKey) priv).getBytes().orElseThrow();
        return PeerId.ofRawKey(new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded()).publicKey();
    }

    private static void writeOwnerOnly(Path file, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        if (Files.getFileAttributeView(file.getParent(), PosixFileAttributeView.class) != null) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(
                    EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
            Files.write(file, bytes, StandardOpenOption.TRUNCATE_EXISTING);
        } else {
            Files.write(file, bytes, StandardOpenOption.CREATE_NEW);
        }
    }

    private static void checkOwnerOnly(Path file) throws IOException {
        if (Files.getFileAttributeView(file, PosixFileAttributeView.class) == null) {
            return;
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        for (PosixFilePermission p : perms) {
            if (p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE) {
                throw new IOException(file + " may be read by others (" + PosixFilePermissions.toString(perms)
                        + "); run: chmod 600 " + file);
            }
        }
    }

    private String toPem() {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(keyPair.getPrivate().getEncoded());
        return PEM_BEGIN + "\n" + b64 + "\n" + PEM_END + "\n";
    }

    public PeerId peerId() {
        return peerId;
    }

    public KeyPair keyPair() {
        return keyPair;
    }

    /**
     * An Ed25519 signature (64 bytes) of the message. Signed with BouncyCastle's implementation:
     * Ed25519 signatures are deterministic (RFC 8032), so the bytes are exactly the JDK's, but
     * the JDK's takes about 1 ms a signature on a small machine and BouncyCastle's 45-65 us, and
     * a block server signs every answer it returns (one per token per hop).
     */
    public byte[] sign(byte[] message) {
        Ed25519Signer s = new Ed25519Signer();
        s.init(true, signingKey);
        s.update(message, 0, message.length);
        return s.generateSignature();
    }

    @Override
    public String toString() {
        return "NodeIdentity[" + peerId + "]";
    }
}
