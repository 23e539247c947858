package dev.mycel.federated.strategy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * One round's updates, checked and sorted by client id: the common first step of every rule.
 * Sorting here is what makes each rule independent of arrival order, and what lets "the smaller
 * index" mean "the smaller client id" wherever a rule breaks a tie.
 */
final class Updates {
    final String rule;
    final String[] ids;
    final float[][] params;
    final long[] examples;
    final int n;
    final int dim;

    private Updates(String rule, List<ClientUpdate> sorted, int dim) {
        this.rule = rule;
        this.n = sorted.size();
        this.dim = dim;
        this.ids = new String[n];
        this.params = new float[n][];
        this.examples = new long[n];
        for (int k = 0; k < n; k++) {
            ClientUpdate u = sorted.get(k);
            ids[k] = u.clientId();
            params[k] = u.parameters();
            examples[k] = u.numExamples();
        }
    }

    /**
     * Checks what every rule needs (a round number from 1, at least one update, one update per
     * client, every update as long as the global model) and sorts by client id.
     */
    static Updates sorted(String rule, int round, float[] global, List<ClientUpdate> updates) {
        Objects.requireNonNull(global, "global");
        Objects.requireNonNull(updates, "updates");
        if (round < 1) {
            throw new IllegalArgumentException(rule + ": round must be at least 1, got " + round);
        }
        if (updates.isEmpty()) {
            throw new IllegalArgumentException(rule + ": no updates to aggregate (needs at least 1)");
        }
        List<ClientUpdate> sorted = new ArrayList<>(updates);
        sorted.sort(Comparator.comparing(ClientUpdate::clientId));
        for (int k = 0; k < sorted.size(); k++) {
            ClientUpdate u = sorted.get(k);
            if (u.parameters().length != global.length) {
                throw new IllegalArgumentException(rule + ": the update from client '" + u.clientId() + "' has "
                        + u.parameters().length + " values, the global model has " + global.length);
            }
            // Two updates from one client would leave their order to the input: refuse them.
            if (k > 0 && sorted.get(k - 1).clientId().equals(u.clientId())) {
                throw new IllegalArgumentException(rule + ": client '" + u.clientId() + "' sent more than one update");
            }
        }
        return new Updates(rule, sorted, global.length);
    }

    /** Refuses updates that would get no (or a negative) weight in an example-weighted rule. */
    Updates requireExamples() {
        for (int k = 0; k < n; k++) {
            if (examples[k] <= 0) {
                throw new IllegalArgumentException(rule + ": client '" + ids[k] + "' reports " + examples[k]
                        + " training examples; an example-weighted rule needs at least 1");
            }
        }
        return this;
    }

    /**
     * FedAvg's mean, sum(n_k * w_k) / sum(n_k), unrounded: clients are added in id order, each
     * coordinate in double, and divided once.
     */
    double[] weightedMean() {
        long total = 0;
        for (long e : examples) {
            try {
                total = Math.addExact(total, e);
            } catch (ArithmeticException overflow) {
                throw new IllegalArgumentException(rule + ": the example counts add up to more than " + Long.MAX_VALUE);
            }
        }
        double[] acc = new double[dim];
        for (int k = 0; k < n; k++) {
            float[] p = params[k];
            double weight = examples[k];
            for (int j = 0; j < dim; j++) {
                acc[j] += p[j] * weight;
            }
        }
        double divisor = total;
        for (int j = 0; j < dim; j++) {
            acc[j] /= divisor;
        }
        return acc;
    }

    /** The unweighted mean of the chosen updates, added in ascending index (client id) order. */
    double[] mean(int[] chosenAscending) {
        double[] acc = new double[dim];
        for (int k : chosenAscending) {
            float[] p = params[k];
            for (int j = 0; j < dim; j++) {
                acc[j] += p[j];
            }
        }
        double count = chosenAscending.length;
        for (int j = 0; j < dim; j++) {
            acc[j] /= count;
        }
        return acc;
    }

    /** The one rounding to float at the end of every rule. */
    static float[] toFloat(double[] values) {
        float[] out = new float[values.length];
        for (int j = 0; j < values.length; j++) {
            out[j] = (float) values[j];
        }
        return out;
    }

    /** Refuses server state that belongs to a model of another size. */
    static void requireStateLength(String rule, String vector, double[] state, int dim) {
        if (state != null && state.length != dim) {
            throw new IllegalArgumentException(rule + ": the server state's " + vector + " has " + state.length
                    + " values, the global model has " + dim);
        }
    }
}
