package dev.mycel.federated.round;

import dev.mycel.federated.secagg.SecAggMessage.ForwardedShares;
import dev.mycel.federated.secagg.SecAggMessage.ShareKeys;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskRequest;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskResponse;
import java.util.List;

/**
 * A participant as a coordinator sees it: an id and one call, "train from this model". The
 * in-memory implementation calls the client's trainer directly (tests, fast simulation); the
 * network one sends the request to a node over its authenticated connection. Either way the
 * data stays where the client is; only the signed update comes back.
 */
public interface FederatedClient {
    /** The metric with a client's local training time in a round, in seconds (informational). */
    String TRAIN_SECONDS = "train_seconds";

    /** The client's node id (its peer id's printable form). */
    String id();

    /** Trains on the client's own data from the request's model and returns its signed update. */
    SignedUpdate fit(FitRequest request) throws Exception;

    // Secure aggregation: four exchanges per round instead of one (see SecureRound). A client
    // that cannot take part says so; the coordinator records it as a refusal.

    /** Trains as {@link #fit} does, then answers with this round's signed public keys. */
    default SignedKeys secureFit(SecureFitRequest request) throws Exception {
        throw new UnsupportedOperationException(id() + " does not take part in secure aggregation");
    }

    /** Checks the neighbours' signed keys and returns this client's sealed shares for them. */
    default ShareKeys shareKeys(String runId, int round, List<SignedKeys> neighbourKeys) throws Exception {
        throw new UnsupportedOperationException(id() + " does not take part in secure aggregation");
    }

    /** Takes the neighbours' sealed shares and returns the signed masked input. */
    default SignedMaskedInput maskedInput(String runId, int round, ForwardedShares shares) throws Exception {
        throw new UnsupportedOperationException(id() + " does not take part in secure aggregation");
    }

    /** Reveals the shares asked for. */
    default UnmaskResponse unmask(String runId, int round, UnmaskRequest request) throws Exception {
        throw new UnsupportedOperationException(id() + " does not take part in secure aggregation");
    }
}
