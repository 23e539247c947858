package dev.mycel.inference.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import dev.mycel.inference.proto.Forward;
import dev.mycel.inference.proto.Push;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * One {@link Push} frame, encoded field by field with the hidden states written straight from
 * the floats into the frame: the same bytes as {@code Push.toByteArray()} of the same fields
 * (fields in number order, defaults left out), without the two message builders and the two
 * copies of the hidden states that the generated code would take. A push leaves between one
 * server's last block and the next server's first, so every microsecond here is a microsecond
 * per token and hop; with the weights just streamed through the caches, each generated builder
 * and copy costs tens of microseconds.
 *
 * @param frame  the encoded {@link Push}
 * @param hidden the hidden states inside it (a view of {@code frame}, which nothing changes
 *               after encoding), for the answer to the client
 */
record PushFrame(byte[] frame, ByteString hidden) {
    private static final int STEP = 2;
    private static final int STEP_HIDDEN = 4;
    private static final int STEP_FORWARD = 5;

    /**
     * Encodes the push of step {@code id} at {@code position}: {@code tokens} x {@code dim}
     * floats of {@code x}, for the session {@code ticket} names, carrying the rest of the route.
     */
    static PushFrame encode(ByteString ticket, long id, int position, int tokens, float[] x, int dim, List<Forward> rest) {
        int hiddenBytes = Math.multiplyExact(tokens, dim * Float.BYTES);
        int step = (id != 0 ? CodedOutputStream.computeUInt64Size(1, id) : 0)
                + (position != 0 ? CodedOutputStream.computeUInt32Size(2, position) : 0)
                + (tokens != 0 ? CodedOutputStream.computeUInt32Size(3, tokens) : 0)
                + (hiddenBytes != 0 ? CodedOutputStream.computeTagSize(STEP_HIDDEN)
                        + CodedOutputStream.computeUInt32SizeNoTag(hiddenBytes) + hiddenBytes : 0);
        for (Forward f : rest) {
            step += CodedOutputStream.computeMessageSize(STEP_FORWARD, f);
        }
        int size = (ticket.isEmpty() ? 0 : CodedOutputStream.computeBytesSize(1, ticket))
                + CodedOutputStream.computeTagSize(STEP) + CodedOutputStream.computeUInt32SizeNoTag(step) + step;
        byte[] frame = new byte[size];
        try {
            CodedOutputStream head = CodedOutputStream.newInstance(frame);
            if (!ticket.isEmpty()) {
                head.writeBytes(1, ticket);
            }
            head.writeTag(STEP, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            head.writeUInt32NoTag(step);
            if (id != 0) {
                head.writeUInt64(1, id);
            }
            if (position != 0) {
                head.writeUInt32(2, position);
            }
            if (tokens != 0) {
                head.writeUInt32(3, tokens);
            }
            int at = head.getTotalBytesWritten();
            if (hiddenBytes != 0) {
                head.writeTag(STEP_HIDDEN, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                head.writeUInt32NoTag(hiddenBytes);
                at = head.getTotalBytesWritten();
                ByteBuffer.wrap(frame, at, hiddenBytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                        .put(x, 0, tokens * dim);
            }
            CodedOutputStream tail = CodedOutputStream.newInstance(frame, at + hiddenBytes, size - at - hiddenBytes);
            for (Forward f : rest) {
                tail.writeMessage(STEP_FORWARD, f);
            }
            tail.checkNoSpaceLeft();
            return new PushFrame(frame, UnsafeByteOperations.unsafeWrap(frame, at, hiddenBytes));
        } catch (IOException e) {
            throw new UncheckedIOException("a push frame did not fit its computed size", e);
        }
    }
}
