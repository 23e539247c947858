package dev.mycel.bench.transfer;

import dev.mycel.net.transport.grpc.NetLimits;

/**
 * Bounds of tensor transfer.
 *
 * @param maxTensorBytes largest tensor a receiver takes; a stream announcing a bigger one is
 *                       ended with RESOURCE_EXHAUSTED before anything is allocated for it
 * @param frameBytes     data bytes a sender puts in one frame; it must stay below the
 *                       receiver's message bound ({@link NetLimits#maxMessageBytes()})
 */
public record TransferLimits(long maxTensorBytes, int frameBytes) {
    /** Room in a frame's message for the tensor header and protobuf tags. */
    static final int FRAME_OVERHEAD = 1024;
    /** A received tensor is one Java array, so this is the ceiling of maxTensorBytes. */
    static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 16;

    /** 256 MiB tensors (a 2048-token batch of 8192-wide f32 hidden states is 64 MiB), 1 MiB frames. */
    public static TransferLimits defaults() {
        return new TransferLimits(256L << 20, 1 << 20);
    }

    public TransferLimits {
        if (maxTensorBytes < 0 || maxTensorBytes > MAX_ARRAY_BYTES) {
            throw new IllegalArgumentException("max tensor size must be within 0.." + MAX_ARRAY_BYTES + " bytes, got " + maxTensorBytes);
        }
        if (frameBytes < 1024 || frameBytes > (64 << 20)) {
            throw new IllegalArgumentException("frame size must be within 1 KiB..64 MiB, got " + frameBytes);
        }
    }

    public TransferLimits withMaxTensorBytes(long bytes) {
        return new TransferLimits(bytes, frameBytes);
    }

    public TransferLimits withFrameBytes(int bytes) {
        return new TransferLimits(maxTensorBytes, bytes);
    }
}
