package dev.mycel.federated.round;

/**
 * A participant as a coordinator sees it: an id and one call, "train from this model". The
 * in-memory implementation calls the client's trainer directly (tests, fast simulation); the
 * network one sends the request to a node over its authenticated connection. Either way the
 * data stays where the client is; only the signed update comes back.
 */
public interface FederatedClient {
    /** The client's node id (its peer id's printable form). */
    String id();

    /** Trains on the client's own data from the request's model and returns its signed update. */
    SignedUpdate fit(FitRequest request) throws Exception;
}
