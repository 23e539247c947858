package dev.mycel.bench.transfer;

import dev.mycel.bench.transfer.proto.TensorHeader;
import dev.mycel.bench.transfer.proto.TransferReceipt;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One open tensor stream to a peer: {@link #send} tensors one after the other, then
 * {@link #finish} to learn what the peer took in. Use it from one thread at a time.
 *
 * <p>Back-pressure: before each frame the sender waits until gRPC reports the stream ready,
 * which it does only while less than two frames' worth of bytes wait to go out. A receiver
 * that reads slowly closes the HTTP/2 window, the queued bytes stop leaving, and
 * {@link #send} blocks, so a sender holds at most about three frames beyond its own tensor.
 */
public final class TensorSender implements AutoCloseable {
    private final ClientCall<TensorChunk, TransferReceipt> call;
    private final int frameBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private Status closedWith;
    private TransferReceipt receipt;
    private boolean finished;
    private volatile long framesSent;

    TensorSender(Channel channel, TransferLimits limits, Duration deadline) {
        this.frameBytes = limits.frameBytes();
        CallOptions options = CallOptions.DEFAULT
                .withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
                // The callbacks below only signal the sending thread; running them on the
                // transport thread spares a thread switch for every frame.
                .withExecutor(Runnable::run)
                .withOnReadyThreshold(2 * frameBytes);
        call = channel.newCall(TensorTransfer.SEND_TENSORS, options);
        call.start(new Listener(), new Metadata());
        call.request(1);
    }

    /**
     * Sends one tensor, cut into frames; returns once the last frame is queued, blocking while
     * the receiver is behind. The tensor's bytes must not change until then.
     *
     * @throws StatusRuntimeException when the stream ended (refused by the receiver, deadline)
     */
    public void send(TensorFrame tensor) throws InterruptedException {
        if (finished) {
            throw new IllegalStateException("the stream is finished");
        }
        TensorHeader.Builder header = TensorHeader.newBuilder().setDtype(tensor.dtype()).setByteSize(tensor.byteSize());
        for (long d : tensor.shape()) {
            header.addShape(d);
        }
        ByteBuffer data = tensor.data();
        int total = data.remaining();
        int offset = 0;
        do {
            awaitReady();
            int n = Math.min(frameBytes, total - offset);
            call.sendMessage(TensorChunk.outgoing(offset == 0 ? header.build() : null, data.slice(offset, n)));
            framesSent++;
            offset += n;
        } while (offset < total);
    }

    /** Ends the stream and waits for the receiver's receipt. */
    public TransferReceipt finish() throws InterruptedException {
        if (!finished) {
            finished = true;
            call.halfClose();
        }
        lock.lock();
        try {
            while (closedWith == null) {
                changed.await();
            }
            if (!closedWith.isOk()) {
                throw closedWith.asRuntimeException();
            }
            if (receipt == null) {
                throw Status.INTERNAL.withDescription("the receiver closed the stream without a receipt").asRuntimeException();
            }
            return receipt;
        } finally {
            lock.unlock();
        }
    }

    /** Frames handed to gRPC so far. */
    public long framesSent() {
        return framesSent;
    }

    /** Cancels the stream unless {@link #finish} was called. */
    @Override
    public void close() {
        if (!finished) {
            finished = true;
            call.cancel("the sender stopped before finishing the stream", null);
        }
    }

    private void awaitReady() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (closedWith != null) {
                    throw (closedWith.isOk()
                            ? Status.INTERNAL.withDescription("the receiver ended the stream while tensors were still being sent")
                            : closedWith).asRuntimeException();
                }
                if (call.isReady()) {
                    return;
                }
                changed.await();
            }
        } finally {
            lock.unlock();
        }
    }

    private final class Listener extends ClientCall.Listener<TransferReceipt> {
        @Override
        public void onReady() {
            signal(null, null);
        }

        @Override
        public void onMessage(TransferReceipt message) {
            signal(message, null);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            signal(null, status);
        }

        private void signal(TransferReceipt message, Status status) {
            lock.lock();
            try {
                if (message != null) {
                    receipt = message;
                }
                if (status != null) {
                    closedWith = status;
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
