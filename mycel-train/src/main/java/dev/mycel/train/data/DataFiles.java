package dev.mycel.train.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads whole data files, from disk or from the class path, refusing anything over a bound
 * before it is read so that a wrong path (a disk image, a device) cannot exhaust memory.
 */
final class DataFiles {
    private DataFiles() {
    }

    /** The bytes of {@code file}, which must be a regular file of at most {@code limit} bytes. */
    static byte[] read(Path file, long limit) {
        try {
            if (!Files.isRegularFile(file)) {
                throw new DatasetFormatException(file + (Files.exists(file) ? ": not a regular file" : ": no such file"));
            }
            long size = Files.size(file);
            if (size > limit) {
                throw new DatasetFormatException(file + ": " + size + " bytes, more than the " + limit
                        + " bytes this kind of file may have");
            }
            try (InputStream in = Files.newInputStream(file)) {
                return readBounded(in, limit, file.toString());
            }
        } catch (NoSuchFileException e) {
            throw new DatasetFormatException(file + ": no such file", e);
        } catch (IOException e) {
            throw new DatasetFormatException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * The bytes of a resource shipped in this module's jar. A missing one means a broken build,
     * not bad user input, hence the IllegalStateException.
     */
    static byte[] resource(String name, long limit) {
        try (InputStream in = DataFiles.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("bundled data " + name + " is missing from the class path"
                        + " (dev/mycel/train/data in the mycel-train jar)");
            }
            return readBounded(in, limit, name);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bundled data " + name + ": " + e.getMessage(), e);
        }
    }

    private static byte[] readBounded(InputStream in, long limit, String name) throws IOException {
        // Read one byte past the limit: a file that grew after it was measured is still caught.
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        if (bytes.length > limit) {
            throw new DatasetFormatException(name + ": more than the " + limit + " bytes this kind of file may have");
        }
        return bytes;
    }
}
