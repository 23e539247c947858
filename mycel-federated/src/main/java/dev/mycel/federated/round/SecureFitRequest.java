package dev.mycel.federated.round;

/**
 * A round with secure aggregation as a picked client receives it: the usual fit request and the
 * round's public setup. The client trains, then answers with its signed keys instead of its
 * update; the update itself only ever leaves the client masked.
 */
public record SecureFitRequest(FitRequest fit, SecureSetup setup) {
}
