package dev.mycel.train.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.StringJoiner;

/**
 * A tensor of unsigned bytes in the IDX format MNIST is distributed in, raw or gzip-compressed.
 *
 * <p>The format: a big-endian magic number whose first two bytes are zero, whose third is the
 * element type (0x08, unsigned byte, the only one read here) and whose fourth is the number of
 * dimensions; then each dimension's size as a big-endian 32-bit integer; then the elements in
 * row-major order. Files starting with 0x1f 0x8b are gunzipped first.
 *
 * <p>Everything is bounded before memory is committed: 1 to 4 dimensions, each positive, at
 * most 256 MiB of elements, and the data must be exactly as long as the dimensions say: a
 * short file is truncated, a long one has bytes nobody would read, and both are refused.
 */
public final class IdxFile {
    /** The most element bytes an IDX file may hold: well above full MNIST (47 MB of images). */
    public static final long MAX_DATA_BYTES = 256L << 20;
    /** The most dimensions accepted (MNIST images have 3, labels 1). */
    public static final int MAX_DIMENSIONS = 4;

    private static final int UNSIGNED_BYTE = 0x08;
    private static final long MAX_HEADER_BYTES = 4 + 4L * MAX_DIMENSIONS;
    // A gzip file of incompressible data is a little larger than the data; 1 MiB covers that.
    private static final long MAX_FILE_BYTES = MAX_HEADER_BYTES + MAX_DATA_BYTES + (1L << 20);

    private final int[] dims;
    private final byte[] data;

    private IdxFile(int[] dims, byte[] data) {
        this.dims = dims;
        this.data = data;
    }

    /** Reads an IDX file, raw or gzip-compressed; errors name {@code file} as given. */
    public static IdxFile read(Path file) {
        return parse(DataFiles.read(file, MAX_FILE_BYTES), file.toString());
    }

    /**
     * Parses the bytes of an IDX file, raw or gzip-compressed.
     *
     * @param name the file's name, for error messages
     * @throws DatasetFormatException if the bytes are not a valid unsigned-byte IDX file
     */
    public static IdxFile parse(byte[] bytes, String name) {
        byte[] raw = Gzip.isGzip(bytes) ? Gzip.decompress(bytes, name, MAX_HEADER_BYTES + MAX_DATA_BYTES) : bytes;
        if (raw.length == 0) {
            throw new DatasetFormatException(name + ": empty file, not an IDX file");
        }
        if (raw.length < 4) {
            throw new DatasetFormatException(name + ": truncated IDX header (" + raw.length
                    + " bytes, the magic number alone needs 4)");
        }
        int magic = bigEndianInt(raw, 0);
        if (raw[0] != 0 || raw[1] != 0) {
            throw new DatasetFormatException(String.format(
                    "%s: IDX magic 0x%08X does not start with two zero bytes: not an IDX file", name, magic));
        }
        int type = raw[2] & 0xFF;
        if (type != UNSIGNED_BYTE) {
            throw new DatasetFormatException(String.format(
                    "%s: IDX magic 0x%08X is not an unsigned-byte tensor (expected 0x0000080N)%s",
                    name, magic, typeName(type)));
        }
        int rank = raw[3] & 0xFF;
        if (rank < 1 || rank > MAX_DIMENSIONS) {
            throw new DatasetFormatException(String.format(
                    "%s: IDX magic 0x%08X declares %d dimensions (1 to %d are accepted)",
                    name, magic, rank, MAX_DIMENSIONS));
        }
        int header = 4 + 4 * rank;
        if (raw.length < header) {
            throw new DatasetFormatException(name + ": truncated IDX header (" + raw.length + " bytes, "
                    + rank + " dimensions need " + header + ")");
        }
        long[] sizes = new long[rank];
        long elements = 1;
        for (int d = 0; d < rank; d++) {
            // Sizes are read unsigned and named as the file holds them: 0xFFFFFFFF is 4294967295.
            sizes[d] = Integer.toUnsignedLong(bigEndianInt(raw, 4 + 4 * d));
            if (sizes[d] == 0) {
                throw new DatasetFormatException(name + ": IDX dimension " + (d + 1) + " of " + rank
                        + " is 0 (each must be positive)");
            }
        }
        for (int d = 0; d < rank; d++) {
            // Stop at the limit: the running product then stays below 2^28 * 2^32, far from overflow.
            elements *= sizes[d];
            if (elements > MAX_DATA_BYTES) {
                throw new DatasetFormatException(name + ": IDX dimensions " + describe(sizes)
                        + " hold more than " + MAX_DATA_BYTES + " bytes (256 MiB), the most accepted");
            }
        }
        long present = raw.length - (long) header;
        if (present < elements) {
            throw new DatasetFormatException(name + ": truncated IDX data (dimensions " + describe(sizes)
                    + " need " + elements + " bytes, the file holds " + present + ")");
        }
        if (present > elements) {
            throw new DatasetFormatException(name + ": " + (present - elements) + " trailing bytes after the "
                    + elements + " bytes of IDX data that dimensions " + describe(sizes) + " describe");
        }
        int[] dims = new int[rank];
        for (int d = 0; d < rank; d++) {
            dims[d] = (int) sizes[d];
        }
        return new IdxFile(dims, Arrays.copyOfRange(raw, header, raw.length));
    }

    /** The number of dimensions, 1 to 4. */
    public int rank() {
        return dims.length;
    }

    /** The size of dimension {@code d} (0-based), always positive. */
    public int dim(int d) {
        return dims[d];
    }

    /** The dimension sizes, outermost first (a copy). */
    public int[] dims() {
        return dims.clone();
    }

    /**
     * The elements in row-major order, as unsigned bytes ({@code b & 0xFF}). Not copied: the
     * array was made for this object, and callers share it rather than pay for a copy of
     * possibly hundreds of megabytes; do not modify it.
     */
    public byte[] data() {
        return data;
    }

    /** The dimensions as a string such as {@code 10000 x 28 x 28}. */
    public String describeDims() {
        long[] sizes = new long[dims.length];
        for (int d = 0; d < dims.length; d++) {
            sizes[d] = dims[d];
        }
        return describe(sizes);
    }

    @Override
    public String toString() {
        return "IdxFile[" + describeDims() + "]";
    }

    private static String describe(long[] sizes) {
        StringJoiner j = new StringJoiner(" x ");
        for (long s : sizes) {
            j.add(Long.toString(s));
        }
        return j.toString();
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x09 -> " (0x09 is signed byte)";
            case 0x0B -> " (0x0B is 16-bit integer)";
            case 0x0C -> " (0x0C is 32-bit integer)";
            case 0x0D -> " (0x0D is 32-bit float)";
            case 0x0E -> " (0x0E is 64-bit float)";
            default -> String.format(" (0x%02X is no IDX type)", type);
        };
    }

    private static int bigEndianInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }
}
