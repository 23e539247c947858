package dev.mycel.federated.secagg;

import java.util.Optional;

/**
 * A secure-aggregation round refused a message or could not finish: a message for another
 * round, a protocol violation (a request for both shares of one neighbour, an unknown sender),
 * a share that failed authentication, or too many drop-outs to unmask the sum. Never a wrong
 * sum: whenever the result cannot be exact, this is thrown instead.
 */
public final class SecAggException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The client the problem is about (e.g. the sender of a share that failed AEAD), or null. */
    private final String clientId;

    public SecAggException(String message) {
        this(null, message, null);
    }

    public SecAggException(String clientId, String message) {
        this(clientId, message, null);
    }

    public SecAggException(String clientId, String message, Throwable cause) {
        super(message, cause);
        this.clientId = clientId;
    }

    /** The client the problem is about, if one is to blame or concerned. */
    public Optional<String> clientId() {
        return Optional.ofNullable(clientId);
    }
}
