package dev.mycel.federated.round;

import dev.mycel.federated.strategy.RoundConfig;

/**
 * What a coordinator sends a client it picked: the run, the round, the global model to start
 * from, and how to train. The client signs its reply over the round, so a reply cannot be
 * replayed into another round or run.
 */
public record FitRequest(String runId, int round, float[] global, RoundConfig config) {
}
