package dev.mycel.bench.transfer;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.mycel.bench.transfer.proto.TensorHeader;
import io.grpc.Detachable;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Writes and reads {@code TensorChunk} messages in exactly their protobuf encoding, with the
 * data bytes never copied by the marshaller.
 *
 * <p>Why not the generated protobuf marshaller: sending costs about the same either way
 * (protobuf hands a wrapped {@code ByteString} of a heap buffer straight to gRPC's output
 * stream, one copy into Netty's buffers). Receiving is where it differs: gRPC's protobuf parser
 * first copies each message into a byte array, then copies the {@code bytes} field out of it
 * into a new 1 MiB array per frame (a humongous allocation for G1), before the receiver copies
 * it once more into the tensor. Here the header is parsed, the rest of the message is detached
 * from gRPC's receive buffers ({@link Detachable}) and copied once, straight into the tensor:
 * 27 µs against 117 µs per 1 MiB frame received ({@code TensorMarshallingBenchmark},
 * docs/BENCHMARKS.md).
 */
final class TensorChunkMarshaller implements MethodDescriptor.Marshaller<TensorChunk> {
    private static final int HEADER_TAG = 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
    private static final int DATA_TAG = 2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
    /** A header has a dtype of at most 16 characters and at most 8 dimensions: under 150 bytes. */
    static final int MAX_HEADER_BYTES = 512;

    @Override
    public InputStream stream(TensorChunk chunk) {
        TensorHeader header = chunk.header();
        ByteBuffer data = chunk.outgoingData();
        int size = 0;
        if (header != null) {
            size += CodedOutputStream.computeMessageSize(1, header);
        }
        if (data.hasRemaining()) {
            size += CodedOutputStream.computeTagSize(2) + CodedOutputStream.computeUInt32SizeNoTag(data.remaining());
        }
        byte[] prefix = new byte[size];
        CodedOutputStream out = CodedOutputStream.newInstance(prefix);
        try {
            if (header != null) {
                out.writeMessage(1, header);
            }
            if (data.hasRemaining()) {
                out.writeTag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(data.remaining());
            }
            out.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new IllegalStateException("encoding a frame header into an exactly sized array failed", e);
        }
        return new FrameStream(prefix, data);
    }

    @Override
    public TensorChunk parse(InputStream in) {
        // A malformed frame is returned, not thrown: gRPC would turn an exception here into an
        // UNKNOWN "application error"; the receiver ends the call with the reason instead.
        try {
            TensorHeader header = null;
            while (true) {
                int tag = readTag(in);
                if (tag == -1) {
                    return TensorChunk.incoming(header, null, 0);
                }
                if (tag == HEADER_TAG) {
                    int len = readLength(in);
                    if (header != null) {
                        return TensorChunk.malformed("a frame carries two tensor headers");
                    }
                    if (len > MAX_HEADER_BYTES) {
                        return TensorChunk.malformed("a tensor header of " + len + " bytes; at most " + MAX_HEADER_BYTES);
                    }
                    header = TensorHeader.parseFrom(readExactly(in, len));
                } else if (tag == DATA_TAG) {
                    int len = readLength(in);
                    if (in instanceof KnownLength && in instanceof Detachable d && in.available() == len) {
                        // The data is the rest of the message (the order every protobuf writer
                        // uses): keep it in gRPC's buffers for the receiver to copy in place.
                        return TensorChunk.incoming(header, d.detach(), len);
                    }
                    InputStream data = new ByteArrayInputStream(readExactly(in, len));
                    if (readTag(in) != -1) {
                        return TensorChunk.malformed("a frame has fields after its data");
                    }
                    return TensorChunk.incoming(header, data, len);
                } else {
                    skipField(in, tag);
                }
            }
        } catch (InvalidProtocolBufferException e) {
            return TensorChunk.malformed("unreadable tensor header: " + e.getMessage());
        } catch (IOException e) {
            return TensorChunk.malformed("unreadable frame: " + e.getMessage());
        }
    }

    /** Skips a field this version does not know, so that later versions may add some. */
    private static void skipField(InputStream in, int tag) throws IOException {
        switch (WireFormat.getTagWireType(tag)) {
            case WireFormat.WIRETYPE_VARINT -> readVarint(in);
            case WireFormat.WIRETYPE_FIXED64 -> in.skipNBytes(8);
            case WireFormat.WIRETYPE_FIXED32 -> in.skipNBytes(4);
            case WireFormat.WIRETYPE_LENGTH_DELIMITED -> in.skipNBytes(readLength(in));
            default -> throw new IOException("field " + WireFormat.getTagFieldNumber(tag) + " has wire type "
                    + WireFormat.getTagWireType(tag) + ", which frames do not use");
        }
    }

    private static int readLength(InputStream in) throws IOException {
        long len = readVarint(in);
        if (len < 0 || len > Integer.MAX_VALUE) {
            throw new IOException("field length " + len + " out of range");
        }
        if (in instanceof KnownLength && len > in.available()) {
            throw new IOException("a field of " + len + " bytes where " + in.available() + " remain");
        }
        return (int) len;
    }

    private static byte[] readExactly(InputStream in, int len) throws IOException {
        byte[] b = in.readNBytes(len);
        if (b.length != len) {
            throw new EOFException("the frame ends " + (len - b.length) + " bytes early");
        }
        return b;
    }

    /** The next field's tag, or -1 where the message ends. */
    private static int readTag(InputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            return -1;
        }
        long tag = continueVarint(first, in);
        if (tag < 8 || tag > Integer.MAX_VALUE) {
            throw new IOException("field tag " + tag + " out of range");
        }
        return (int) tag;
    }

    private static long readVarint(InputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            throw new EOFException("the frame ends inside a varint");
        }
        return continueVarint(first, in);
    }

    /** A base-128 varint of at most 64 bits whose first byte was {@code b}. */
    private static long continueVarint(int b, InputStream in) throws IOException {
        long value = b & 0x7f;
        for (int shift = 7; (b & 0x80) != 0; shift += 7) {
            if (shift >= 64) {
                throw new IOException("a varint longer than 10 bytes");
            }
            b = in.read();
            if (b < 0) {
                throw new EOFException("the frame ends inside a varint");
            }
            value |= (long) (b & 0x7f) << shift;
        }
        return value;
    }

    /**
     * The encoded message: the few bytes of header and data tag, then the data. gRPC asks a
     * {@link Drainable} to write itself, so heap data goes to Netty's buffers in one copy.
     */
    private static final class FrameStream extends InputStream implements Drainable, KnownLength {
        private final byte[] prefix;
        private final ByteBuffer data;
        private int prefixPos;

        FrameStream(byte[] prefix, ByteBuffer data) {
            this.prefix = prefix;
            this.data = data;
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int n = available();
            target.write(prefix, prefixPos, prefix.length - prefixPos);
            prefixPos = prefix.length;
            if (data.hasArray()) {
                target.write(data.array(), data.arrayOffset() + data.position(), data.remaining());
                data.position(data.limit());
            } else {
                // Off-heap data (a mapped file, a memory segment) goes through a small array
                // that stays in cache.
                byte[] scratch = new byte[Math.min(data.remaining(), 64 << 10)];
                while (data.hasRemaining()) {
                    int k = Math.min(scratch.length, data.remaining());
                    data.get(scratch, 0, k);
                    target.write(scratch, 0, k);
                }
            }
            return n;
        }

        @Override
        public int available() {
            return prefix.length - prefixPos + data.remaining();
        }

        @Override
        public int read() {
            if (prefixPos < prefix.length) {
                return prefix[prefixPos++] & 0xff;
            }
            return data.hasRemaining() ? data.get() & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (available() == 0) {
                return -1;
            }
            int n = 0;
            if (prefixPos < prefix.length) {
                n = Math.min(len, prefix.length - prefixPos);
                System.arraycopy(prefix, prefixPos, b, off, n);
                prefixPos += n;
            }
            int k = Math.min(len - n, data.remaining());
            data.get(b, off + n, k);
            return n + k;
        }
    }
}
