package dev.mycel.bench.transfer;

import com.google.protobuf.UnsafeByteOperations;
import dev.mycel.bench.transfer.proto.TensorHeader;
import io.grpc.Drainable;
import io.grpc.MethodDescriptor;
import io.grpc.internal.CompositeReadableBuffer;
import io.grpc.internal.ReadableBuffers;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One 1 MiB tensor frame through each marshaller, without the network and TLS that dominate an
 * end-to-end run: Mycel's {@link TensorChunkMarshaller} against gRPC's generated protobuf
 * marshaller. Receiving starts, as in gRPC, from a stream over 16 KiB direct buffers (one per
 * HTTP/2 DATA frame) and ends with the bytes in the tensor's array; sending ends with the bytes
 * copied into an output buffer, as gRPC's framer copies them into Netty's. In the same
 * package as the marshaller, which is package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TensorMarshallingBenchmark {
    private static final int FRAME = 1 << 20;
    private static final int HTTP2_FRAME = 16 << 10;

    private final TensorChunkMarshaller mycel = new TensorChunkMarshaller();
    private final MethodDescriptor.Marshaller<dev.mycel.bench.transfer.proto.TensorChunk> protobuf =
            ProtoUtils.marshaller(dev.mycel.bench.transfer.proto.TensorChunk.getDefaultInstance());
    private TensorHeader header;
    private byte[] data;
    private ByteBuffer wire;
    private byte[] tensor;
    private Sink sink;

    @Setup
    public void setup() throws IOException {
        data = new byte[FRAME];
        new SplittableRandom(1).nextBytes(data);
        header = TensorHeader.newBuilder().setDtype("f32").addShape(FRAME / 4).setByteSize(FRAME).build();
        byte[] encoded = mycel.stream(TensorChunk.outgoing(header, ByteBuffer.wrap(data))).readAllBytes();
        wire = ByteBuffer.allocateDirect(encoded.length).put(encoded).flip();
        tensor = new byte[FRAME];
        sink = new Sink(encoded.length);
    }

    /** What gRPC hands a marshaller: the message over the DATA frames it arrived in. */
    private InputStream received() {
        CompositeReadableBuffer frames = new CompositeReadableBuffer();
        for (int off = 0; off < wire.limit(); off += HTTP2_FRAME) {
            frames.addBuffer(ReadableBuffers.wrap(wire.slice(off, Math.min(HTTP2_FRAME, wire.limit() - off))));
        }
        return ReadableBuffers.openStream(frames, true);
    }

    @Benchmark
    public byte[] receiveMycel() throws IOException {
        try (InputStream in = received(); TensorChunk chunk = mycel.parse(in)) {
            chunk.readData(tensor, 0);
        }
        return tensor;
    }

    @Benchmark
    public byte[] receiveProtobuf() throws IOException {
        try (InputStream in = received()) {
            protobuf.parse(in).getData().copyTo(tensor, 0);
        }
        return tensor;
    }

    @Benchmark
    public byte[] sendMycel() throws IOException {
        sink.reset();
        ((Drainable) mycel.stream(TensorChunk.outgoing(header, ByteBuffer.wrap(data)))).drainTo(sink);
        return sink.buf;
    }

    @Benchmark
    public byte[] sendProtobuf() throws IOException {
        sink.reset();
        dev.mycel.bench.transfer.proto.TensorChunk message = dev.mycel.bench.transfer.proto.TensorChunk.newBuilder()
                .setHeader(header).setData(UnsafeByteOperations.unsafeWrap(data)).build();
        ((Drainable) protobuf.stream(message)).drainTo(sink);
        return sink.buf;
    }

    /** Stands for gRPC's output stream into Netty buffers: every write is copied. */
    private static final class Sink extends OutputStream {
        final byte[] buf;
        int pos;

        Sink(int size) {
            buf = new byte[size];
        }

        void reset() {
            pos = 0;
        }

        @Override
        public void write(int b) {
            buf[pos++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            System.arraycopy(b, off, buf, pos, len);
            pos += len;
        }
    }
}
