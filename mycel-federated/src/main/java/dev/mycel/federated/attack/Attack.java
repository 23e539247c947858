package dev.mycel.federated.attack;

import dev.mycel.federated.strategy.ClientUpdate;
import java.util.List;

/**
 * A Byzantine attack: what a set of malicious clients send in a round, given what the honest
 * clients send. Used to test that robust strategies withstand it and that non-robust ones do not.
 */
public interface Attack {
    /** The name {@link Attacks#parse} knows it by ({@code "signflip"}). */
    String name();

    /**
     * The malicious updates of one round.
     *
     * @param round the round number, counting from 1 (seeded attacks draw fresh noise each round)
     * @param global the global model the round started from; not changed
     * @param honest the honest clients' updates, at least one, each as long as {@code global};
     *     their order does not matter
     * @param attackerIds the ids the malicious updates are sent under: distinct, none an honest id
     * @return one update per attacker id, in ascending id order; each claims the median honest
     *     example count, so that the count alone does not give it away
     */
    List<ClientUpdate> forge(int round, float[] global, List<ClientUpdate> honest, List<String> attackerIds);
}
