package dev.mycel.bench.transfer;

import dev.mycel.bench.transfer.proto.TensorHeader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * One frame of a tensor stream in memory: the header that opens a tensor (or none on the
 * frames that continue it) and a stretch of the tensor's bytes. On the sending side the bytes
 * are a view of the caller's tensor; on the receiving side they are still in gRPC's receive
 * buffers until {@link #readData} copies them to their place, so the frame must be closed.
 */
final class TensorChunk implements AutoCloseable {
    private final TensorHeader header;
    private final ByteBuffer outgoing;
    private final int dataLength;
    private final String malformed;
    private InputStream incoming;

    private TensorChunk(TensorHeader header, ByteBuffer outgoing, InputStream incoming, int dataLength, String malformed) {
        this.header = header;
        this.outgoing = outgoing;
        this.incoming = incoming;
        this.dataLength = dataLength;
        this.malformed = malformed;
    }

    /** A frame to send; {@code data} is shared, not copied. */
    static TensorChunk outgoing(TensorHeader header, ByteBuffer data) {
        return new TensorChunk(header, data.slice(), null, data.remaining(), null);
    }

    /** A received frame whose {@code length} data bytes are the rest of {@code data}. */
    static TensorChunk incoming(TensorHeader header, InputStream data, int length) {
        return new TensorChunk(header, null, data, length, null);
    }

    /** A received message that is no valid frame; the receiver ends the stream with {@code why}. */
    static TensorChunk malformed(String why) {
        return new TensorChunk(null, null, null, 0, why);
    }

    /** The header opening a tensor, or null when this frame continues one. */
    TensorHeader header() {
        return header;
    }

    int dataLength() {
        return dataLength;
    }

    /** Why the frame could not be read, or null. */
    String malformed() {
        return malformed;
    }

    /** The bytes to send, as a fresh view (gRPC may serialize a message more than once). */
    ByteBuffer outgoingData() {
        return outgoing.duplicate();
    }

    /** Copies the received data to {@code dest[offset..offset + dataLength)}. */
    void readData(byte[] dest, int offset) throws IOException {
        int n = incoming == null ? 0 : incoming.readNBytes(dest, offset, dataLength);
        if (n != dataLength) {
            throw new IOException("frame holds " + n + " of its " + dataLength + " data bytes");
        }
    }

    @Override
    public void close() {
        if (incoming != null) {
            try {
                incoming.close();
            } catch (IOException ignored) {
                // gRPC's buffers release on close and report nothing worth acting on.
            }
            incoming = null;
        }
    }
}
