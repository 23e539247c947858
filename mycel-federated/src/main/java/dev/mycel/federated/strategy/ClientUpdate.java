package dev.mycel.federated.strategy;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What one client sends back after a round of local training: its new parameters, how many
 * examples it trained on (the weight example-weighted rules give it) and its training metrics.
 *
 * <p>The parameters array is not copied, because a model can have hundreds of millions of
 * values; strategies, the validator and the attacks only read it, and the caller must not change
 * it while a round uses it. Two updates are {@link #equals equal} when every parameter has the
 * same bits. The metrics are kept sorted by name so that anything that iterates them (a round
 * record, a hash) sees one order on every machine.
 *
 * @param clientId the client's id (a node's public-key id); the order of ids decides every tie
 * @param parameters the client's new model, flattened in the canonical order
 * @param numExamples the number of training examples the client used
 * @param metrics training metrics by name (for example {@code "loss"})
 */
public record ClientUpdate(String clientId, float[] parameters, long numExamples, Map<String, Double> metrics) {
    public ClientUpdate {
        Objects.requireNonNull(clientId, "clientId");
        if (clientId.isEmpty()) {
            throw new IllegalArgumentException("a client update needs a non-empty client id");
        }
        Objects.requireNonNull(parameters, "parameters");
        Objects.requireNonNull(metrics, "metrics");
        TreeMap<String, Double> sorted = new TreeMap<>();
        metrics.forEach((k, v) -> sorted.put(Objects.requireNonNull(k, "metric name"),
                Objects.requireNonNull(v, "metric " + k)));
        metrics = Collections.unmodifiableSortedMap(sorted);
    }

    /** An update without metrics. */
    public ClientUpdate(String clientId, float[] parameters, long numExamples) {
        this(clientId, parameters, numExamples, Map.of());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientUpdate other && clientId.equals(other.clientId)
                && numExamples == other.numExamples && Arrays.equals(parameters, other.parameters)
                && metrics.equals(other.metrics);
    }

    @Override
    public int hashCode() {
        return Objects.hash(clientId, numExamples, Arrays.hashCode(parameters), metrics);
    }

    /** Leaves the parameters out, which may be millions of values. */
    @Override
    public String toString() {
        return "ClientUpdate[clientId=" + clientId + ", " + parameters.length + " parameters, numExamples="
                + numExamples + ", metrics=" + metrics + "]";
    }
}
