package dev.mycel.train.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

/** Small IDX files written byte by byte, for tests. */
final class IdxBytes {
    private IdxBytes() {
    }

    /** An IDX file with magic {@code 0x0000TTRR} (type, rank = dims.length), the dims and {@code data}. */
    static byte[] idx(int type, int[] dims, byte[] data) {
        return idx(0, 0, type, dims.length, dims, data);
    }

    /** An IDX file with every magic byte chosen: to write wrong ones. */
    static byte[] idx(int zero0, int zero1, int type, int rank, int[] dims, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(zero0);
        out.write(zero1);
        out.write(type);
        out.write(rank);
        for (int d : dims) {
            out.write(d >>> 24);
            out.write(d >>> 16);
            out.write(d >>> 8);
            out.write(d);
        }
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** {@code n} images of 28 x 28 whose pixels are a simple function of image and position. */
    static byte[] images(int n) {
        byte[] pixels = new byte[n * 784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 7 + i / 784);
        }
        return idx(0x08, new int[] {n, 28, 28}, pixels);
    }

    /** {@code labels} as an IDX1 file. */
    static byte[] labels(int... labels) {
        byte[] b = new byte[labels.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) labels[i];
        }
        return idx(0x08, new int[] {labels.length}, b);
    }

    static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
