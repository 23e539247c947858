package dev.mycel.model.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;

/** Locates the repository's test data (testdata/golden) and shipped models from any module. */
public final class TestData {
    private static final Path ROOT = findRoot();

    private TestData() {
    }

    private static Path findRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isDirectory(p.resolve("testdata/golden"))) {
                return p;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("cannot find testdata/golden above " + Path.of("").toAbsolutePath());
    }

    /** The repository root. */
    public static Path root() {
        return ROOT;
    }

    /** {@code testdata/golden/<relative>}. */
    public static Path golden(String relative) {
        return ROOT.resolve("testdata/golden").resolve(relative);
    }

    /** A model shipped in {@code models/}. */
    public static Path shippedModel(String fileName) {
        return ROOT.resolve("models").resolve(fileName);
    }

    /**
     * A gzip-compressed golden file, unpacked once into {@code target/testdata-cache} of the
     * calling module and reused afterwards.
     */
    public static Path gunzipped(String relativeGz) {
        Path gz = golden(relativeGz);
        String name = gz.getFileName().toString().replaceFirst("\\.gz$", "");
        Path out = Path.of("target", "testdata-cache", name).toAbsolutePath();
        try {
            if (Files.isRegularFile(out) && Files.getLastModifiedTime(out).compareTo(Files.getLastModifiedTime(gz)) >= 0) {
                return out;
            }
            Files.createDirectories(out.getParent());
            Path tmp = Files.createTempFile(out.getParent(), name, ".tmp");
            try (InputStream in = new GZIPInputStream(Files.newInputStream(gz), 1 << 16)) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
