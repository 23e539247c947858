package dev.mycel.federated.strategy;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The server state a strategy carries from round to round (FedAvgM's momentum, the FedOpt
 * moments), as named double vectors, so that a coordinator can checkpoint it and resume a run
 * with the same bits. The vectors are kept in double because that is the precision the strategies
 * update them in; rounding them for a checkpoint would change the next round.
 *
 * <p>Arrays are copied in and out, so a state is a snapshot; the names are kept sorted so that a
 * serialiser sees one order everywhere. Two states are {@link #equals equal} when every value has
 * the same bits.
 *
 * @param strategy the {@link Strategy#name()} of the strategy it belongs to
 * @param vectors the state's vectors by name; empty before a strategy's first round
 */
public record StrategyState(String strategy, SortedMap<String, double[]> vectors) {
    public StrategyState {
        Objects.requireNonNull(strategy, "strategy");
        vectors = copy(vectors);
    }

    /** The state of a strategy that keeps none, or has not aggregated a round yet. */
    public static StrategyState empty(String strategy) {
        return new StrategyState(strategy, new TreeMap<>());
    }

    /** A copy of the vectors (the record keeps its own). */
    @Override
    public SortedMap<String, double[]> vectors() {
        return copy(vectors);
    }

    /** The names of the vectors, sorted. */
    public SortedSet<String> names() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(vectors.keySet()));
    }

    /** A copy of one vector, or null when the state has none of that name. */
    public double[] vector(String name) {
        double[] v = vectors.get(name);
        return v == null ? null : v.clone();
    }

    /** Refuses a state that another strategy wrote. */
    void requireStrategy(String expected) {
        if (!strategy.equals(expected)) {
            throw new IllegalArgumentException("a state of strategy " + strategy + " cannot be restored into " + expected);
        }
    }

    private static SortedMap<String, double[]> copy(Map<String, double[]> vectors) {
        TreeMap<String, double[]> out = new TreeMap<>();
        vectors.forEach((k, v) -> out.put(Objects.requireNonNull(k, "vector name"), v.clone()));
        return Collections.unmodifiableSortedMap(out);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof StrategyState other) || !strategy.equals(other.strategy)
                || !vectors.keySet().equals(other.vectors.keySet())) {
            return false;
        }
        for (var e : vectors.entrySet()) {
            if (!Arrays.equals(e.getValue(), other.vectors.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = strategy.hashCode();
        for (var e : vectors.entrySet()) {
            h = h * 31 + e.getKey().hashCode() * 17 + Arrays.hashCode(e.getValue());
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("StrategyState[strategy=").append(strategy).append(", vectors={");
        String sep = "";
        for (var e : vectors.entrySet()) {
            sb.append(sep).append(e.getKey()).append(": ").append(e.getValue().length).append(" values");
            sep = ", ";
        }
        return sb.append("}]").toString();
    }
}
