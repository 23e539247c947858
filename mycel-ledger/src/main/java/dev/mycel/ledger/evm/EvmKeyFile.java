package dev.mycel.ledger.evm;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.Set;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * A node's EVM key (secp256k1), beside its identity key in its data folder: {@code evm.key},
 * the private key as 64 hex digits, readable by its owner only (refused otherwise, as the
 * identity key is). Made on first use from the system's secure random source.
 */
public final class EvmKeyFile {
    public static final String FILE_NAME = "evm.key";

    private EvmKeyFile() {
    }

    public static Credentials loadOrCreate(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            return load(file);
        }
        Files.createDirectories(dataDir);
        BigInteger key;
        SecureRandom random = new SecureRandom();
        do {
            byte[] b = new byte[32];
            random.nextBytes(b);
            key = new BigInteger(1, b);
        } while (key.signum() == 0 || key.compareTo(Sign.CURVE_PARAMS.getN()) >= 0);
        String hex = Numeric.toHexStringNoPrefixZeroPadded(key, 64) + "\n";
        if (Files.getFileAttributeView(dataDir, PosixFileAttributeView.class) != null) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(EnumSet.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE)));
            Files.writeString(file, hex, StandardCharsets.US_ASCII);
        } else {
            Files.writeString(file, hex, StandardCharsets.US_ASCII, java.nio.file.StandardOpenOption.CREATE_NEW);
        }
        return load(file);
    }

    public static Credentials load(Path file) throws IOException {
        if (Files.getFileAttributeView(file, PosixFileAttributeView.class) != null) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            for (PosixFilePermission p : perms) {
                if (p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE) {
                    throw new IOException(file + " may be read by others (" + PosixFilePermissions.toString(perms) + "); run: chmod 600 "
                            + file);
                }
            }
        }
        String hex = Files.readString(file, StandardCharsets.US_ASCII).strip();
        if (!hex.matches("(0x)?[0-9a-fA-F]{64}")) {
            throw new IOException(file + " does not hold an EVM private key (64 hex digits)");
        }
        BigInteger key = Numeric.toBigInt(hex);
        if (key.signum() == 0 || key.compareTo(Sign.CURVE_PARAMS.getN()) >= 0) {
            throw new IOException(file + " holds a number that is not a secp256k1 private key");
        }
        return Credentials.create(ECKeyPair.create(key));
    }

    /** The checksummed address of a key. */
    public static String address(Credentials c) {
        return Keys.toChecksumAddress(c.getAddress());
    }
}
