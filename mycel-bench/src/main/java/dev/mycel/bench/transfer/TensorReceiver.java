package dev.mycel.bench.transfer;

import dev.mycel.bench.transfer.proto.TensorHeader;
import dev.mycel.bench.transfer.proto.TransferReceipt;
import dev.mycel.net.transport.Caller;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The receiving end of {@code SendTensors}: puts frames back together into tensors and hands
 * each whole one to the {@link TensorHandler}.
 *
 * <p>Flow control is manual: gRPC delivers a frame only after the previous one has been copied
 * into its tensor (and, for a tensor's last frame, after the handler returned), with one more
 * frame requested ahead so that the copy never waits for the network. Frames not yet requested
 * stay with the sender, held back by HTTP/2 flow control, so a stream never holds more than the
 * flow-control window, two frames and the tensor being assembled.
 */
final class TensorReceiver implements ServerCallHandler<TensorChunk, TransferReceipt> {
    private static final int FRAMES_AHEAD = 2;

    private final TensorHandler handler;
    private final TransferLimits limits;

    TensorReceiver(TensorHandler handler, TransferLimits limits) {
        this.handler = handler;
        this.limits = limits;
    }

    @Override
    public ServerCall.Listener<TensorChunk> startCall(ServerCall<TensorChunk, TransferReceipt> call, Metadata headers) {
        Assembly assembly = new Assembly(call, Caller.current());
        call.request(FRAMES_AHEAD);
        return assembly;
    }

    /** One stream's state; gRPC calls a listener from one thread at a time. */
    private final class Assembly extends ServerCall.Listener<TensorChunk> {
        private final ServerCall<TensorChunk, TransferReceipt> call;
        private final Caller caller;
        private TensorHeader header;
        private long[] shape;
        private byte[] bytes;
        private int filled;
        private long tensors;
        private long totalBytes;
        private boolean done;

        Assembly(ServerCall<TensorChunk, TransferReceipt> call, Caller caller) {
            this.call = call;
            this.caller = caller;
        }

        @Override
        public void onMessage(TensorChunk chunk) {
            Status problem;
            try (chunk) {
                if (done) {
                    return;
                }
                problem = take(chunk);
            } catch (IOException e) {
                problem = Status.DATA_LOSS.withDescription("could not read a frame: " + e.getMessage());
            }
            if (problem != null) {
                end(problem);
            } else {
                call.request(1);
            }
        }

        private Status take(TensorChunk chunk) throws IOException {
            if (chunk.malformed() != null) {
                return Status.INVALID_ARGUMENT.withDescription(chunk.malformed());
            }
            if (bytes == null) {
                if (chunk.header() == null) {
                    return Status.INVALID_ARGUMENT.withDescription("a frame without a tensor header where a tensor begins");
                }
                Status s = open(chunk.header());
                if (s != null) {
                    return s;
                }
            } else if (chunk.header() != null) {
                return Status.INVALID_ARGUMENT.withDescription("a new tensor began " + (bytes.length - filled)
                        + " bytes before the end of the previous one");
            }
            int n = chunk.dataLength();
            int left = bytes == null ? 0 : bytes.length - filled;
            if (n > left) {
                return Status.INVALID_ARGUMENT.withDescription("a frame of " + n + " data bytes where the tensor has "
                        + left + " left");
            }
            if (bytes == null) {
                return null;
            }
            chunk.readData(bytes, filled);
            filled += n;
            return filled == bytes.length ? deliver() : null;
        }

        /** Checks a tensor's header and makes room for it; a tensor of no bytes is delivered at once. */
        private Status open(TensorHeader h) {
            long declared = h.getByteSize();
            if (declared < 0 || declared > limits.maxTensorBytes()) {
                return Status.RESOURCE_EXHAUSTED.withDescription("a tensor of " + Long.toUnsignedString(declared)
                        + " bytes is over this node's limit of " + limits.maxTensorBytes() + " bytes");
            }
            long[] dims = new long[h.getShapeCount()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = h.getShape(i);
            }
            long expected;
            try {
                expected = TensorFrame.byteSize(h.getDtype(), dims);
            } catch (IllegalArgumentException e) {
                return Status.INVALID_ARGUMENT.withDescription(e.getMessage());
            }
            if (expected != declared) {
                return Status.INVALID_ARGUMENT.withDescription("the header announces " + declared + " bytes, but a "
                        + h.getDtype() + " tensor of shape " + h.getShapeList() + " has " + expected);
            }
            header = h;
            shape = dims;
            bytes = new byte[(int) declared];
            filled = 0;
            return declared == 0 ? deliver() : null;
        }

        private Status deliver() {
            TensorFrame tensor = new TensorFrame(header.getDtype(), shape, ByteBuffer.wrap(bytes));
            header = null;
            shape = null;
            bytes = null;
            try {
                handler.accept(caller, tensor);
            } catch (StatusRuntimeException e) {
                return e.getStatus();
            } catch (StatusException e) {
                return e.getStatus();
            } catch (Exception e) {
                return Status.INTERNAL.withDescription("the receiver failed on a tensor: " + e);
            }
            tensors++;
            totalBytes += tensor.byteSize();
            return null;
        }

        @Override
        public void onHalfClose() {
            if (done) {
                return;
            }
            if (bytes != null) {
                end(Status.INVALID_ARGUMENT.withDescription("the stream ended " + (bytes.length - filled)
                        + " bytes before the end of a tensor of " + bytes.length));
                return;
            }
            done = true;
            call.sendHeaders(new Metadata());
            call.sendMessage(TransferReceipt.newBuilder().setTensors(tensors).setBytes(totalBytes).build());
            call.close(Status.OK, new Metadata());
        }

        @Override
        public void onCancel() {
            done = true;
            bytes = null;
        }

        private void end(Status status) {
            done = true;
            bytes = null;
            call.close(status, new Metadata());
        }
    }
}
