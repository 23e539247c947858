package dev.mycel.inference;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A model's name on the network: the SHA-256 of its file. Hashing a multi-gigabyte file takes
 * seconds, so results are remembered per (path, size, modification time) for this process.
 */
public final class ModelHash {
    private record Stamp(Path path, long size, FileTime modified) {
    }

    private static final Map<Stamp, byte[]> CACHE = new ConcurrentHashMap<>();

    private ModelHash() {
    }

    public static byte[] of(Path file) throws IOException {
        Path real = file.toRealPath();
        Stamp stamp = new Stamp(real, Files.size(real), Files.getLastModifiedTime(real));
        byte[] cached = CACHE.get(stamp);
        if (cached != null) {
            return cached.clone();
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(real)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
        }
        byte[] hash = sha.digest();
        CACHE.put(stamp, hash);
        return hash.clone();
    }

    public static String hex(byte[] hash) {
        return HexFormat.of().formatHex(hash);
    }
}
