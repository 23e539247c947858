package dev.mycel.federated.strategy;

import java.util.List;

/**
 * An aggregation strategy: the one extension point of a federated run. It says what clients do
 * in a round and turns their updates into the next global model.
 *
 * <p>{@link #aggregate} must be a pure function of its arguments and of the strategy's
 * {@link #state() server state}: every participant recomputes it and must get the same bits (see
 * the package documentation for the rules that make this hold). Strategies with server state
 * (momentum, adaptive moments) change it only when {@code aggregate} succeeds, and a coordinator
 * checkpoints it with {@link #state()} after each round and hands it back with {@link #restore}
 * to resume a run.
 */
public interface Strategy {
    /** A short lower-case name, as a command line or a round record spells it ({@code "fedavg"}). */
    String name();

    /** The settings every client picked for round {@code round} (counting from 1) trains with. */
    RoundConfig configureRound(int round);

    /**
     * The new global model after round {@code round}.
     *
     * @param round the round number, counting from 1
     * @param global the global model the clients started from; not changed
     * @param updates at least one update, each from a different client, each as long as {@code
     *     global}; their order does not matter
     * @return a new array, as long as {@code global}
     * @throws IllegalArgumentException when the updates break the rule's preconditions; the
     *     message names the rule and the numbers
     */
    float[] aggregate(int round, float[] global, List<ClientUpdate> updates);

    /**
     * Whether {@link #aggregate} depends on the updates only through their example-weighted
     * mean: then it can run on what secure aggregation reveals (the sum of weighted updates and
     * the sum of weights), never seeing one client's update. Robust rules (median, Krum, ...)
     * look at each update and cannot.
     */
    default boolean aggregatesWeightedMean() {
        return false;
    }

    /** A snapshot of the server state this strategy carries between rounds (empty when none). */
    default StrategyState state() {
        return StrategyState.empty(name());
    }

    /**
     * Puts back a state that {@link #state()} gave, so that the next round aggregates as if the run
     * had never stopped.
     *
     * @throws IllegalArgumentException when the state belongs to another strategy or has vectors
     *     this strategy does not keep
     */
    default void restore(StrategyState state) {
        state.requireStrategy(name());
        if (!state.names().isEmpty()) {
            throw new IllegalArgumentException(name() + " keeps no server state, but the state has " + state.names());
        }
    }
}
