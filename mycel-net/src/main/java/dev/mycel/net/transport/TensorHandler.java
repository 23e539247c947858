package dev.mycel.net.transport;

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
}
