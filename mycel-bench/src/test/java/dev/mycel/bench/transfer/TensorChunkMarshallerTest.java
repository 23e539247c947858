package dev.mycel.bench.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.mycel.bench.transfer.proto.TensorHeader;
import io.grpc.Drainable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hand-written marshaller speaks exactly the protobuf encoding of TensorChunk, both ways. */
class TensorChunkMarshallerTest {
    private final TensorChunkMarshaller marshaller = new TensorChunkMarshaller();
    private final TensorHeader header = TensorHeader.newBuilder().setDtype("f16").addShape(3).addShape(5).setByteSize(30).build();

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static byte[] drain(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = ((Drainable) in).drainTo(out);
        assertEquals(out.size(), n);
        return out.toByteArray();
    }

    @Test
    void writesWhatProtobufReads() throws IOException {
        byte[] data = random(30, 1);
        for (ByteBuffer source : new ByteBuffer[] {ByteBuffer.wrap(data), ByteBuffer.allocateDirect(30).put(data).flip()}) {
            byte[] wire = drain(marshaller.stream(TensorChunk.outgoing(header, source)));
            dev.mycel.bench.transfer.proto.TensorChunk parsed = dev.mycel.bench.transfer.proto.TensorChunk.parseFrom(wire);
            assertEquals(header, parsed.getHeader());
            assertArrayEquals(data, parsed.getData().toByteArray());
            // Byte for byte what protobuf itself writes.
            assertArrayEquals(parsed.toByteArray(), wire);
        }
        // A continuation frame has no header; an empty tensor's frame has no data field.
        assertArrayEquals(dev.mycel.bench.transfer.proto.TensorChunk.newBuilder().setData(ByteString.copyFrom(data)).build().toByteArray(),
                drain(marshaller.stream(TensorChunk.outgoing(null, ByteBuffer.wrap(data)))));
        assertArrayEquals(dev.mycel.bench.transfer.proto.TensorChunk.newBuilder().setHeader(header).build().toByteArray(),
                drain(marshaller.stream(TensorChunk.outgoing(header, ByteBuffer.allocate(0)))));
    }

    @Test
    void streamCanBeReadPlainlyAndTwice() throws IOException {
        byte[] data = random(5000, 2);
        TensorChunk chunk = TensorChunk.outgoing(header, ByteBuffer.wrap(data));
        byte[] expected = drain(marshaller.stream(chunk));
        // Without Drainable (some transports read byte by byte), and a second serialization
        // of the same message (a retry) must give the same bytes.
        assertArrayEquals(expected, marshaller.stream(chunk).readAllBytes());
        InputStream in = marshaller.stream(chunk);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            out.write(b);
        }
        assertArrayEquals(expected, out.toByteArray());
    }

    @Test
    void readsWhatProtobufWrites() throws IOException {
        byte[] data = random(30, 3);
        byte[] wire = dev.mycel.bench.transfer.proto.TensorChunk.newBuilder().setHeader(header).setData(ByteString.copyFrom(data)).build().toByteArray();
        try (TensorChunk chunk = marshaller.parse(new ByteArrayInputStream(wire))) {
            assertNull(chunk.malformed());
            assertEquals(header, chunk.header());
            assertEquals(30, chunk.dataLength());
            byte[] dest = new byte[40];
            chunk.readData(dest, 10);
            assertArrayEquals(data, java.util.Arrays.copyOfRange(dest, 10, 40));
        }
    }

    @Test
    void skipsFieldsItDoesNotKnow() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeUInt64(9, 12345);
        out.writeMessage(1, header);
        out.writeFixed32(10, 7);
        out.writeBytes(11, ByteString.copyFromUtf8("later"));
        out.writeFixed64(12, 8);
        out.writeBytes(2, ByteString.copyFrom(new byte[] {1, 2, 3}));
        out.flush();
        try (TensorChunk chunk = marshaller.parse(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertNull(chunk.malformed());
            assertEquals(header, chunk.header());
            assertEquals(3, chunk.dataLength());
        }
    }

    @Test
    void brokenFramesAreReportedNotThrown() throws IOException {
        byte[] good = dev.mycel.bench.transfer.proto.TensorChunk.newBuilder().setHeader(header)
                .setData(ByteString.copyFrom(random(30, 4))).build().toByteArray();
        // Cut at every length: only the cuts between fields leave a valid (shorter) frame;
        // every other prefix is named broken.
        int headerField = CodedOutputStream.computeMessageSize(1, header);
        for (int cut = 0; cut < good.length; cut++) {
            try (TensorChunk chunk = marshaller.parse(new ByteArrayInputStream(good, 0, cut))) {
                assertEquals(cut == 0 || cut == headerField, chunk.malformed() == null, "cut at " + cut + ": " + chunk.malformed());
            }
        }
        ByteArrayOutputStream twoHeaders = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(twoHeaders);
        out.writeMessage(1, header);
        out.writeMessage(1, header);
        out.flush();
        assertMalformed(twoHeaders.toByteArray(), "two tensor headers");
        // A length far beyond the message, and a header over the bound.
        assertMalformed(new byte[] {0x12, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 1, 2}, "unreadable frame");
        ByteArrayOutputStream big = new ByteArrayOutputStream();
        out = CodedOutputStream.newInstance(big);
        out.writeMessage(1, header.toBuilder().setDtype("x".repeat(600)).build());
        out.flush();
        assertMalformed(big.toByteArray(), "tensor header of");
        // Group wire types are not part of this message.
        assertMalformed(new byte[] {0x1b, 0x1c}, "wire type");
    }

    private void assertMalformed(byte[] wire, String why) {
        try (TensorChunk chunk = marshaller.parse(new ByteArrayInputStream(wire))) {
            assertNotNull(chunk.malformed());
            assertTrue(chunk.malformed().contains(why), chunk.malformed());
        }
    }
}
