package dev.mycel.bench.transfer;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The bulk tensor protocol on its own TLS connection. Each tensor: the magic {@code MYT1}, the
 * dtype (one length byte, ASCII), the number of dimensions (one byte) and each dimension (eight
 * bytes, little-endian), then exactly the data bytes the dtype and shape call for. The receiver
 * answers each tensor with one byte: 0 when it was taken, 1 followed by a two-byte length and a
 * UTF-8 reason when it was refused (and then closes the connection).
 */
final class BulkWire {
    static final int MAGIC = 0x3154594d; // "MYT1" read little-endian
    static final int OK = 0;
    static final int REFUSED = 1;

    private BulkWire() {
    }

    static byte[] header(TensorFrame t) {
        byte[] dtype = t.dtype().getBytes(StandardCharsets.US_ASCII);
        long[] shape = t.shape();
        ByteBuffer b = ByteBuffer.allocate(4 + 1 + dtype.length + 1 + 8 * shape.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).put((byte) dtype.length).put(dtype).put((byte) shape.length);
        for (long d : shape) {
            b.putLong(d);
        }
        return b.array();
    }

    /** Reads a header; null at a clean end of stream before a new tensor. */
    static Header readHeader(DataInputStream in) throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            return null;
        }
        byte[] rest = new byte[3];
        in.readFully(rest);
        int magic = b0 | (rest[0] & 0xff) << 8 | (rest[1] & 0xff) << 16 | (rest[2] & 0xff) << 24;
        if (magic != MAGIC) {
            throw new BulkException("not a Mycel tensor stream (bad magic)");
        }
        int dtypeLength = in.readUnsignedByte();
        if (dtypeLength < 1 || dtypeLength > 16) {
            throw new BulkException("dtype name of " + dtypeLength + " bytes");
        }
        byte[] dtype = new byte[dtypeLength];
        in.readFully(dtype);
        int dims = in.readUnsignedByte();
        if (dims > TensorFrame.MAX_DIMS) {
            throw new BulkException("a tensor has at most " + TensorFrame.MAX_DIMS + " dimensions, got " + dims);
        }
        long[] shape = new long[dims];
        byte[] d = new byte[8];
        for (int i = 0; i < dims; i++) {
            in.readFully(d);
            shape[i] = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }
        return new Header(new String(dtype, StandardCharsets.US_ASCII), shape);
    }

    record Header(String dtype, long[] shape) {
    }

    /** A malformed or refused bulk stream; the message is what the peer is told. */
    static final class BulkException extends IOException {
        BulkException(String message) {
            super(message);
        }
    }
}
