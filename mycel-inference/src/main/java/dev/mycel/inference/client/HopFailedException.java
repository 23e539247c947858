package dev.mycel.inference.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** A hop's server could not do a step: gone, failing, too slow or refusing. */
public final class HopFailedException extends RuntimeException {
    private final transient Hop hop;
    private final Status.Code code;

    HopFailedException(Hop hop, String message, Throwable cause) {
        super(hop + ": " + message, cause);
        this.hop = hop;
        this.code = cause instanceof StatusRuntimeException s ? s.getStatus().getCode() : Status.Code.UNAVAILABLE;
    }

    public Hop hop() {
        return hop;
    }

    public Status.Code code() {
        return code;
    }
}
