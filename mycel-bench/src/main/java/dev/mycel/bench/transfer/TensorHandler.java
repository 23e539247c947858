package dev.mycel.bench.transfer;

import dev.mycel.net.transport.Caller;
import java.nio.ByteBuffer;

/**
 * What a node does with the tensors peers send it. Tensors of one stream arrive one at a
 * time, in the order they were sent; the next frames of that stream are not read until
 * {@link #accept} returns, so a slow handler slows its sender down instead of filling memory.
 */
@FunctionalInterface
public interface TensorHandler {
    /**
     * Takes one whole tensor; the frame and its data now belong to the handler. Throwing
     * {@link io.grpc.StatusRuntimeException} ends the stream with that status (for instance
     * INVALID_ARGUMENT for a tensor of the wrong shape); any other exception ends it with
     * INTERNAL.
     */
    void accept(Caller caller, TensorFrame tensor) throws Exception;

    /**
     * Where a tensor arriving on the bulk socket is read into, once its header has passed the
     * checks: a buffer with exactly {@code bytes} remaining. By default a new heap buffer, which
     * {@link #accept} then owns. A handler that is done with each tensor when {@code accept}
     * returns (it writes it to a file, adds it into a sum) may hand out memory of its own instead,
     * such as one reused direct buffer: BoringSSL then decrypts straight into it, with no copy out
     * of its record buffer and no new array to zero (see docs/BENCHMARKS.md, "Transport").
     */
    default ByteBuffer destination(Caller caller, String dtype, long[] shape, int bytes) {
        return ByteBuffer.allocate(bytes);
    }
}
