package dev.mycel.train.data;

import static dev.mycel.train.data.IdxBytes.gzip;
import static dev.mycel.train.data.IdxBytes.idx;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {
    private static final byte[] SIX = {1, 2, 3, 4, 5, (byte) 255};

    private static void assertRefused(byte[] file, String message) {
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxFile.parse(file, "t.idx"));
        assertEquals(message, e.getMessage());
    }

    @Test
    void readsDimensionsAndDataOfARawFile() {
        IdxFile f = IdxFile.parse(idx(0x08, new int[] {2, 3}, SIX), "t.idx");
        assertEquals(2, f.rank());
        assertArrayEquals(new int[] {2, 3}, f.dims());
        assertArrayEquals(SIX, f.data());
        assertEquals("2 x 3", f.describeDims());
    }

    @Test
    void readsTheSameFromAGzipFile() {
        byte[] raw = idx(0x08, new int[] {6}, SIX);
        IdxFile f = IdxFile.parse(gzip(raw), "t.idx.gz");
        assertArrayEquals(new int[] {6}, f.dims());
        assertArrayEquals(SIX, f.data());
    }

    @Test
    void readsConcatenatedGzipMembersAsOneFile() {
        byte[] raw = idx(0x08, new int[] {6}, SIX);
        byte[] first = gzip(Arrays.copyOf(raw, 7));
        byte[] second = gzip(Arrays.copyOfRange(raw, 7, raw.length));
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        assertArrayEquals(SIX, IdxFile.parse(both, "t.idx.gz").data());
    }

    @Test
    void readsAFileFromDiskAndNamesAMissingOne(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("x.idx");
        Files.write(file, idx(0x08, new int[] {6}, SIX));
        assertArrayEquals(SIX, IdxFile.read(file).data());
        Path missing = dir.resolve("missing.idx");
        assertEquals(missing + ": no such file",
                assertThrows(DatasetFormatException.class, () -> IdxFile.read(missing)).getMessage());
    }

    @Test
    void refusesAnEmptyFile() {
        assertRefused(new byte[0], "t.idx: empty file, not an IDX file");
    }

    @Test
    void refusesAMagicThatDoesNotStartWithTwoZeroBytes() {
        assertRefused(idx(0x12, 0x34, 0x08, 1, new int[] {6}, SIX),
                "t.idx: IDX magic 0x12340801 does not start with two zero bytes: not an IDX file");
    }

    @Test
    void refusesATypeOtherThanUnsignedByte() {
        assertRefused(idx(0x09, new int[] {6}, SIX),
                "t.idx: IDX magic 0x00000901 is not an unsigned-byte tensor (expected 0x0000080N) (0x09 is signed byte)");
        assertRefused(idx(0x0D, new int[] {6}, SIX),
                "t.idx: IDX magic 0x00000D01 is not an unsigned-byte tensor (expected 0x0000080N) (0x0D is 32-bit float)");
        assertRefused(idx(0x42, new int[] {6}, SIX),
                "t.idx: IDX magic 0x00004201 is not an unsigned-byte tensor (expected 0x0000080N) (0x42 is no IDX type)");
    }

    @Test
    void refusesTooManyOrNoDimensions() {
        assertRefused(idx(0x08, new int[] {1, 1, 1, 1, 6}, SIX),
                "t.idx: IDX magic 0x00000805 declares 5 dimensions (1 to 4 are accepted)");
        assertRefused(idx(0, 0, 0x08, 0, new int[0], SIX),
                "t.idx: IDX magic 0x00000800 declares 0 dimensions (1 to 4 are accepted)");
    }

    @Test
    void refusesATruncatedHeader() {
        assertRefused(new byte[] {0, 0, 8}, "t.idx: truncated IDX header (3 bytes, the magic number alone needs 4)");
        byte[] file = idx(0x08, new int[] {2, 3}, new byte[0]);
        assertRefused(Arrays.copyOf(file, 10), "t.idx: truncated IDX header (10 bytes, 2 dimensions need 12)");
    }

    @Test
    void refusesAZeroDimension() {
        assertRefused(idx(0x08, new int[] {2, 0}, new byte[0]), "t.idx: IDX dimension 2 of 2 is 0 (each must be positive)");
    }

    @Test
    void refusesDimensionsOverTheSizeLimitBeforeReadingData() {
        assertRefused(idx(0x08, new int[] {70000, 28, 28, 28}, SIX),
                "t.idx: IDX dimensions 70000 x 28 x 28 x 28 hold more than 268435456 bytes (256 MiB), the most accepted");
        // A size with its top bit set is named as the file holds it, unsigned.
        assertRefused(idx(0x08, new int[] {-1}, SIX),
                "t.idx: IDX dimensions 4294967295 hold more than 268435456 bytes (256 MiB), the most accepted");
    }

    @Test
    void refusesTruncatedData() {
        assertRefused(idx(0x08, new int[] {2, 4}, SIX),
                "t.idx: truncated IDX data (dimensions 2 x 4 need 8 bytes, the file holds 6)");
        assertRefused(gzip(idx(0x08, new int[] {2, 4}, SIX)),
                "t.idx: truncated IDX data (dimensions 2 x 4 need 8 bytes, the file holds 6)");
    }

    @Test
    void refusesTrailingBytes() {
        assertRefused(idx(0x08, new int[] {5}, SIX),
                "t.idx: 1 trailing bytes after the 5 bytes of IDX data that dimensions 5 describe");
    }

    @Test
    void refusesBytesAfterTheGzipData() {
        byte[] gz = gzip(idx(0x08, new int[] {6}, SIX));
        byte[] longer = Arrays.copyOf(gz, gz.length + 3);
        assertRefused(longer, "t.idx: 3 trailing bytes after the gzip data (at offset " + gz.length + ")");
    }

    @Test
    void refusesCorruptGzip() {
        byte[] gz = gzip(idx(0x08, new int[] {6}, SIX));
        byte[] badCrc = gz.clone();
        badCrc[gz.length - 8] ^= 1;
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxFile.parse(badCrc, "t.gz"));
        assertEquals(true, e.getMessage().matches("t\\.gz: gzip CRC-32 0x[0-9A-F]{8} does not match the data \\(0x[0-9A-F]{8}\\)"),
                e.getMessage());

        byte[] badSize = gz.clone();
        badSize[gz.length - 4] ^= 1;
        assertRefused(badSize, "t.idx: gzip trailer gives the size (mod 2^32) as 15, the data has 14 bytes");

        assertRefused(Arrays.copyOf(gz, gz.length - 12), "t.idx: truncated gzip data (the deflate stream does not end)");
        assertRefused(Arrays.copyOf(gz, gz.length - 3), "t.idx: truncated gzip trailer (5 of 8 bytes)");
        assertRefused(Arrays.copyOf(gz, 6), "t.idx: truncated gzip header (6 of at least 10 bytes)");

        byte[] notDeflate = gz.clone();
        notDeflate[2] = 7;
        assertRefused(notDeflate, "t.idx: gzip compression method 7 is not deflate (8)");

        // Block type 3 does not exist in deflate: zlib's own words follow "bad gzip data".
        byte[] badBlock = gz.clone();
        badBlock[10] = (byte) 0x07;
        assertRefused(badBlock, "t.idx: bad gzip data: invalid block type");
    }
}
